package io.github.latencylb.core;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The nested parts of {@link SchedulerConfig}: each part's defaults are the
 * configuration's defaults, and the flat builder maps onto the parts.
 */
class SchedulerConfigPartsTests {

	@Test
	void defaultsShouldBeMadeOfEachPartsDefaults() {
		SchedulerConfig defaults = SchedulerConfig.ofDefaults();
		assertThat(defaults.ring()).isEqualTo(RingConfig.ofDefaults());
		assertThat(defaults.boundedLoad()).isEqualTo(BoundedLoadConfig.ofDefaults());
		assertThat(defaults.latency()).isEqualTo(LatencyConfig.ofDefaults());
		assertThat(defaults.slowness()).isEqualTo(SlownessConfig.ofDefaults());
		assertThat(defaults.fallback()).isEqualTo(FallbackConfig.ofDefaults());
		assertThat(defaults.moves()).isEqualTo(MovesConfig.ofDefaults());
		assertThat(defaults.affinity()).isEqualTo(AffinityConfig.ofDefaults());
		assertThat(defaults.slowStart()).isEqualTo(SlowStartConfig.ofDefaults());
		assertThat(defaults.ejection()).isEqualTo(EjectionConfig.ofDefaults());
		assertThat(defaults.refreshInterval()).isEqualTo(Duration.ofMillis(100));
	}

	@Test
	void slownessTestAndFlowWaitPartsShouldDefaultAndBuildLikeTheOthers() {
		SchedulerConfig defaults = SchedulerConfig.ofDefaults();
		assertThat(defaults.cusum()).isEqualTo(CusumConfig.ofDefaults());
		assertThat(defaults.flowWait()).isEqualTo(FlowWaitConfig.ofDefaults());
		SchedulerConfig changed = defaults.with((b) -> {
			b.cusumThreshold = 6;
			b.minWaitBudget = Duration.ofMillis(30);
		});
		assertThat(changed.cusum().threshold()).isEqualTo(6);
		assertThat(changed.cusum().clearThreshold()).isEqualTo(2.5);
		assertThat(changed.flowWait()).isEqualTo(new FlowWaitConfig(2.0, 30_000_000L, 10.0));
		assertThatIllegalArgumentException().isThrownBy(() -> defaults.with((b) -> b.cusumClearThreshold = 5))
			.withMessageStartingWith("cusumClearThreshold ");
		assertThatIllegalArgumentException().isThrownBy(() -> defaults.with((b) -> b.minWaitBudget = null))
			.withMessageStartingWith("minWaitBudget ");
	}

	@Test
	void builderFieldsShouldLandInTheirPart() {
		SchedulerConfig changed = SchedulerConfig.ofDefaults().with((b) -> {
			b.slowStartSettlePeriod = Duration.ZERO;
			b.maxEjectionTime = Duration.ofMinutes(9);
			b.nearEqualTolerance = 0.2;
		});
		assertThat(changed.slowStart()).isEqualTo(new SlowStartConfig(Duration.ofSeconds(30), 0.1, Duration.ZERO));
		assertThat(changed.ejection().maxTime()).isEqualTo(Duration.ofMinutes(9));
		assertThat(changed.fallback()).isEqualTo(new FallbackConfig(3, 0.2));
		assertThat(changed.ring()).isEqualTo(RingConfig.ofDefaults());
	}

	@Test
	void aPartShouldValidateOnItsOwn() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AffinityConfig(0, Duration.ofMinutes(1)))
			.withMessageStartingWith("maxFlows ");
		assertThatIllegalArgumentException().isThrownBy(
				() -> new SchedulerConfig(null, null, null, null, null, null, null, null, null, Duration.ofMillis(1)))
			.withMessage("ring must be set but was null");
	}

}
