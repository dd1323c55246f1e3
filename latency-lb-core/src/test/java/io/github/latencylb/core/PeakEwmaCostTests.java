package io.github.latencylb.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PeakEwmaCost}: the fleet median stands in for an instance with no sample, and
 * the scores scale with in-flight requests and weight.
 */
class PeakEwmaCostTests {

	private static final long NOW = 1_000_000_000L;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final PeakEwmaCost cost = new PeakEwmaCost();

	@Test
	void costOfAnInstanceWithoutSampleShouldBeTheFleetLowerMedian() {
		InstanceStats fresh = instance("fresh", 1);
		assertThat(this.cost.cost(fresh, NOW)).isEqualTo(1_000_000);
		InstanceStats a = observed("a", 2_000_000);
		InstanceStats b = observed("b", 4_000_000);
		InstanceStats c = observed("c", 8_000_000);
		this.cost.refresh(List.of(a, b, c, fresh), NOW);
		assertThat(this.cost.cost(fresh, NOW)).isEqualTo(4_000_000);
		assertThat(this.cost.cost(c, NOW)).isEqualTo(8_000_000);
	}

	@Test
	void keylessScoreShouldScaleInflightByWarmthAndDivideByWeight() {
		InstanceStats a = observed("a", 2_000_000);
		a.inflight.set(3);
		assertThat(this.cost.keylessScore(a, 1.0, NOW)).isEqualTo(2_000_000 * 4.0);
		assertThat(this.cost.keylessScore(a, 0.5, NOW)).isEqualTo(2_000_000 * 7.0);
	}

	@Test
	void flowScoreShouldUseTheMedianOnceKnownAndTheEffectiveWeight() {
		InstanceStats a = observed("a", 2_000_000);
		a.inflight.set(1);
		assertThat(this.cost.flowScore(a, 1.0, NOW)).isEqualTo(2_000_000 * 2.0);
		a.medianNanos = 3_000_000;
		assertThat(this.cost.flowScore(a, 0.5, NOW)).isEqualTo(3_000_000 * 2.0 / 0.5);
	}

	private InstanceStats instance(String id, int weight) {
		return new InstanceStats(id, weight, NOW, true, this.config);
	}

	private InstanceStats observed(String id, long latencyNanos) {
		InstanceStats s = instance(id, 1);
		s.ewma.observe(latencyNanos, NOW);
		return s;
	}

}
