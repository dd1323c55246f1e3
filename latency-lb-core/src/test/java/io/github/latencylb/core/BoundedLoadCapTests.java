package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BoundedLoadCap}: {@code max(minSlots, ceil(c x (total + 1) x share))}.
 */
class BoundedLoadCapTests {

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	@Test
	void shouldFloorTheCapAtMinSlots() {
		InstanceStats a = new InstanceStats("a", 1, 0L, true, this.config);
		BoundedLoadConfig cap = new BoundedLoadConfig(1.25, 8);
		a.inflight = 7;
		assertThat(BoundedLoadCap.over(a, 4, 7, cap)).isFalse();
		a.inflight = 8;
		assertThat(BoundedLoadCap.over(a, 4, 8, cap)).isTrue();
	}

	@Test
	void shouldScaleTheCapWithTotalInflightAndWeightShare() {
		InstanceStats heavy = new InstanceStats("heavy", 3, 0L, true, this.config);
		BoundedLoadConfig cap = new BoundedLoadConfig(1.25, 1);
		// Share 3/4 of 99 + 1: ceil(1.25 x 100 x 0.75) = 94.
		heavy.inflight = 93;
		assertThat(BoundedLoadCap.over(heavy, 4, 99, cap)).isFalse();
		heavy.inflight = 94;
		assertThat(BoundedLoadCap.over(heavy, 4, 99, cap)).isTrue();
	}

}
