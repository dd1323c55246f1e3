package io.github.latencylb.core;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SlowStartGate}: linear ramp from the minimum weight, flows admitted by stable
 * hash, draws joined with probability equal to warmth.
 */
class SlowStartGateTests {

	private static final SlowStartConfig RAMP = new SlowStartConfig(Duration.ofSeconds(10), 0.1, Duration.ZERO);

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	@Test
	void warmthShouldRampLinearlyFromTheMinimumWeight() {
		InstanceStats fresh = new InstanceStats("a", 1, 1_000L, false, this.config);
		assertThat(SlowStartGate.warmth(fresh, 1_000L, RAMP)).isEqualTo(0.1);
		assertThat(SlowStartGate.warmth(fresh, 500_001_000L, RAMP)).isEqualTo(0.1);
		assertThat(SlowStartGate.warmth(fresh, 5_000_001_000L, RAMP)).isEqualTo(0.5);
		assertThat(SlowStartGate.warmth(fresh, 10_000_001_000L, RAMP)).isEqualTo(1.0);
		assertThat(SlowStartGate.warmth(fresh, 99_000_000_000L, RAMP)).isEqualTo(1.0);
	}

	@Test
	void warmthShouldBeFullForAnInstanceWarmFromStartOrWithoutSlowStart() {
		InstanceStats warm = new InstanceStats("a", 1, 1_000L, true, this.config);
		InstanceStats fresh = new InstanceStats("b", 1, 1_000L, false, this.config);
		assertThat(SlowStartGate.warmth(warm, 1_000L, RAMP)).isEqualTo(1.0);
		assertThat(SlowStartGate.warmth(fresh, 1_000L, new SlowStartConfig(Duration.ZERO, 0.1, Duration.ZERO)))
			.isEqualTo(1.0);
	}

	@Test
	void admitsFlowShouldTakeAboutTheWarmthShareOfKeysAndAlwaysTheSameKeys() {
		int admitted = 0;
		for (long key = 0; key < 10_000; key++) {
			boolean first = SlowStartGate.admitsFlow(0.3, key * 0x9E3779B97F4A7C15L);
			assertThat(SlowStartGate.admitsFlow(0.3, key * 0x9E3779B97F4A7C15L)).isEqualTo(first);
			assertThat(SlowStartGate.admitsFlow(1.0, key)).isTrue();
			admitted += first ? 1 : 0;
		}
		assertThat(admitted).isBetween(2_700, 3_300);
	}

	@Test
	void takesPartShouldFollowTheWarmth() {
		RandomGenerator random = new SplittableRandom(7);
		int joined = 0;
		for (int i = 0; i < 10_000; i++) {
			joined += SlowStartGate.takesPart(0.2, random) ? 1 : 0;
		}
		assertThat(joined).isBetween(1_700, 2_300);
		assertThat(SlowStartGate.takesPart(1.0, () -> {
			throw new AssertionError("a warm instance draws no random number");
		})).isTrue();
	}

}
