package io.github.latencylb.core;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.github.latencylb.core.SchedulerConfig.Builder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Specification of {@link SchedulerConfig}: documented defaults, copies, and validation
 * that names the invalid field.
 */
class SchedulerConfigTests {

	@Test
	void defaultsShouldBeTheDocumentedOnes() {
		SchedulerConfig defaults = SchedulerConfig.ofDefaults();
		assertThat(defaults.virtualNodes()).isEqualTo(1000);
		assertThat(defaults.balanceFactor()).isEqualTo(1.25);
		assertThat(defaults.minSlots()).isEqualTo(8);
		assertThat(defaults.latencyDecay()).isEqualTo(Duration.ofSeconds(10));
		assertThat(defaults.latencyFactor()).isEqualTo(2.0);
		assertThat(defaults.candidates()).isEqualTo(3);
		assertThat(defaults.maxFlows()).isEqualTo(1_000_000);
		assertThat(defaults.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
		assertThat(defaults.slowStartDuration()).isEqualTo(Duration.ofSeconds(30));
		assertThat(defaults.consecutiveFailures()).isEqualTo(5);
		assertThat(defaults.maxEjectionPercent()).isEqualTo(50);
		assertThat(SchedulerConfig.custom().build()).isEqualTo(defaults);
	}

	@Test
	void fromAndWithShouldCopyEveryField() {
		SchedulerConfig changed = SchedulerConfig.ofDefaults().with((b) -> {
			b.candidates = 5;
			b.idleTimeout = Duration.ofMinutes(1);
		});
		assertThat(changed.candidates()).isEqualTo(5);
		assertThat(changed.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
		assertThat(SchedulerConfig.from(changed).build()).isEqualTo(changed);
		assertThat(changed.with((b) -> {
		})).isEqualTo(changed);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidValues")
	void buildWhenValueIsInvalidShouldThrowNamingTheField(String field, Consumer<Builder> change) {
		assertThatIllegalArgumentException().isThrownBy(() -> SchedulerConfig.ofDefaults().with(change))
			.withMessageStartingWith(field + " ");
	}

	static Stream<Arguments> invalidValues() {
		return Stream.of(Arguments.arguments("virtualNodes", set((b) -> b.virtualNodes = 0)),
				Arguments.arguments("virtualNodes", set((b) -> b.virtualNodes = 100_001)),
				Arguments.arguments("balanceFactor", set((b) -> b.balanceFactor = 1.0)),
				Arguments.arguments("balanceFactor", set((b) -> b.balanceFactor = Double.NaN)),
				Arguments.arguments("minSlots", set((b) -> b.minSlots = 0)),
				Arguments.arguments("latencyDecay", set((b) -> b.latencyDecay = Duration.ZERO)),
				Arguments.arguments("latencyDecay", set((b) -> b.latencyDecay = null)),
				Arguments.arguments("latencyWindow", set((b) -> b.latencyWindow = Duration.ofSeconds(-1))),
				Arguments.arguments("latencyWindow", set((b) -> b.latencyWindow = null)),
				Arguments.arguments("minSamples", set((b) -> b.minSamples = 0)),
				Arguments.arguments("failurePenalty", set((b) -> b.failurePenalty = Duration.ofMillis(-1))),
				Arguments.arguments("failurePenalty", set((b) -> b.failurePenalty = null)),
				Arguments.arguments("latencyFactor", set((b) -> b.latencyFactor = 1.0)),
				Arguments.arguments("minSlowLatency", set((b) -> b.minSlowLatency = Duration.ofMillis(-1))),
				Arguments.arguments("minSlowLatency", set((b) -> b.minSlowLatency = null)),
				Arguments.arguments("stuckFactor", set((b) -> b.stuckFactor = 0.5)),
				Arguments.arguments("candidates", set((b) -> b.candidates = 0)),
				Arguments.arguments("nearEqualTolerance", set((b) -> b.nearEqualTolerance = 1.0)),
				Arguments.arguments("nearEqualTolerance", set((b) -> b.nearEqualTolerance = -0.1)),
				Arguments.arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = 0)),
				Arguments.arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = Double.POSITIVE_INFINITY)),
				Arguments.arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = Double.NaN)),
				Arguments.arguments("balanceFactor", set((b) -> b.balanceFactor = Double.POSITIVE_INFINITY)),
				Arguments.arguments("latencyFactor", set((b) -> b.latencyFactor = Double.POSITIVE_INFINITY)),
				Arguments.arguments("stuckFactor", set((b) -> b.stuckFactor = Double.POSITIVE_INFINITY)),
				Arguments.arguments("maxFlows", set((b) -> b.maxFlows = 0)),
				Arguments.arguments("maxFlows", set((b) -> b.maxFlows = (1L << 31) + 1)),
				Arguments.arguments("idleTimeout", set((b) -> b.idleTimeout = Duration.ZERO)),
				Arguments.arguments("idleTimeout", set((b) -> b.idleTimeout = null)),
				Arguments.arguments("slowStartDuration", set((b) -> b.slowStartDuration = Duration.ofSeconds(-1))),
				Arguments.arguments("slowStartDuration", set((b) -> b.slowStartDuration = null)),
				Arguments.arguments("slowStartMinWeight", set((b) -> b.slowStartMinWeight = 0)),
				Arguments.arguments("slowStartMinWeight", set((b) -> b.slowStartMinWeight = 1.5)),
				Arguments.arguments("consecutiveFailures", set((b) -> b.consecutiveFailures = -1)),
				Arguments.arguments("baseEjectionTime", set((b) -> b.baseEjectionTime = Duration.ZERO)),
				Arguments.arguments("baseEjectionTime", set((b) -> b.baseEjectionTime = null)),
				Arguments.arguments("maxEjectionTime", set((b) -> b.maxEjectionTime = Duration.ofSeconds(1))),
				Arguments.arguments("maxEjectionTime", set((b) -> b.maxEjectionTime = null)),
				Arguments.arguments("maxEjectionPercent", set((b) -> b.maxEjectionPercent = 101)),
				Arguments.arguments("maxEjectionPercent", set((b) -> b.maxEjectionPercent = -1)),
				Arguments.arguments("refreshInterval", set((b) -> b.refreshInterval = Duration.ZERO)),
				Arguments.arguments("refreshInterval", set((b) -> b.refreshInterval = null)),
				Arguments.arguments("slowStartSettlePeriod",
						set((b) -> b.slowStartSettlePeriod = Duration.ofNanos(-1))),
				Arguments.arguments("slowStartSettlePeriod", set((b) -> b.slowStartSettlePeriod = null)));
	}

	@Test
	void buildShouldAcceptTheBoundaries() {
		SchedulerConfig edge = SchedulerConfig.ofDefaults().with((b) -> {
			b.virtualNodes = 1;
			b.minSamples = 1;
			b.failurePenalty = Duration.ZERO;
			b.minSlowLatency = Duration.ZERO;
			b.stuckFactor = 1.0;
			b.nearEqualTolerance = 0;
			b.slowStartDuration = Duration.ZERO;
			b.slowStartMinWeight = 1.0;
			b.consecutiveFailures = 0;
			b.maxEjectionTime = b.baseEjectionTime;
			b.maxEjectionPercent = 0;
		});
		assertThat(edge.virtualNodes()).isOne();
	}

	private static Consumer<Builder> set(Consumer<Builder> change) {
		return change;
	}

}
