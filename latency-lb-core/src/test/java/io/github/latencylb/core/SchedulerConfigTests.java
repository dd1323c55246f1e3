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
import static org.junit.jupiter.params.provider.Arguments.arguments;

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
		return Stream.of(arguments("virtualNodes", set((b) -> b.virtualNodes = 0)),
				arguments("virtualNodes", set((b) -> b.virtualNodes = 100_001)),
				arguments("balanceFactor", set((b) -> b.balanceFactor = 1.0)),
				arguments("balanceFactor", set((b) -> b.balanceFactor = Double.NaN)),
				arguments("minSlots", set((b) -> b.minSlots = 0)),
				arguments("latencyDecay", set((b) -> b.latencyDecay = Duration.ZERO)),
				arguments("latencyDecay", set((b) -> b.latencyDecay = null)),
				arguments("latencyWindow", set((b) -> b.latencyWindow = Duration.ofSeconds(-1))),
				arguments("latencyWindow", set((b) -> b.latencyWindow = null)),
				arguments("minSamples", set((b) -> b.minSamples = 0)),
				arguments("failurePenalty", set((b) -> b.failurePenalty = Duration.ofMillis(-1))),
				arguments("failurePenalty", set((b) -> b.failurePenalty = null)),
				arguments("latencyFactor", set((b) -> b.latencyFactor = 1.0)),
				arguments("minSlowLatency", set((b) -> b.minSlowLatency = Duration.ofMillis(-1))),
				arguments("minSlowLatency", set((b) -> b.minSlowLatency = null)),
				arguments("stuckFactor", set((b) -> b.stuckFactor = 0.5)),
				arguments("candidates", set((b) -> b.candidates = 0)),
				arguments("nearEqualTolerance", set((b) -> b.nearEqualTolerance = 1.0)),
				arguments("nearEqualTolerance", set((b) -> b.nearEqualTolerance = -0.1)),
				arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = 0)),
				arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = Double.POSITIVE_INFINITY)),
				arguments("maxMovesPerSecond", set((b) -> b.maxMovesPerSecond = Double.NaN)),
				arguments("balanceFactor", set((b) -> b.balanceFactor = Double.POSITIVE_INFINITY)),
				arguments("latencyFactor", set((b) -> b.latencyFactor = Double.POSITIVE_INFINITY)),
				arguments("stuckFactor", set((b) -> b.stuckFactor = Double.POSITIVE_INFINITY)),
				arguments("maxFlows", set((b) -> b.maxFlows = 0)),
				arguments("maxFlows", set((b) -> b.maxFlows = (1L << 31) + 1)),
				arguments("idleTimeout", set((b) -> b.idleTimeout = Duration.ZERO)),
				arguments("idleTimeout", set((b) -> b.idleTimeout = null)),
				arguments("slowStartDuration", set((b) -> b.slowStartDuration = Duration.ofSeconds(-1))),
				arguments("slowStartDuration", set((b) -> b.slowStartDuration = null)),
				arguments("slowStartMinWeight", set((b) -> b.slowStartMinWeight = 0)),
				arguments("slowStartMinWeight", set((b) -> b.slowStartMinWeight = 1.5)),
				arguments("consecutiveFailures", set((b) -> b.consecutiveFailures = -1)),
				arguments("baseEjectionTime", set((b) -> b.baseEjectionTime = Duration.ZERO)),
				arguments("baseEjectionTime", set((b) -> b.baseEjectionTime = null)),
				arguments("maxEjectionTime", set((b) -> b.maxEjectionTime = Duration.ofSeconds(1))),
				arguments("maxEjectionTime", set((b) -> b.maxEjectionTime = null)),
				arguments("maxEjectionPercent", set((b) -> b.maxEjectionPercent = 101)),
				arguments("maxEjectionPercent", set((b) -> b.maxEjectionPercent = -1)),
				arguments("refreshInterval", set((b) -> b.refreshInterval = Duration.ZERO)),
				arguments("refreshInterval", set((b) -> b.refreshInterval = null)),
				arguments("slowStartSettlePeriod", set((b) -> b.slowStartSettlePeriod = Duration.ofNanos(-1))),
				arguments("slowStartSettlePeriod", set((b) -> b.slowStartSettlePeriod = null)));
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
