package io.github.latencylb.core;

import java.util.List;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OutlierEjection}: consecutive failures eject for the base time, growing on
 * repeat, within the share allowed; overloads neither count nor reset.
 */
class OutlierEjectionTests {

	private static final long NOW = 5_000_000_000L;

	private static final long SECOND = 1_000_000_000L;

	private final FakeClock clock = new FakeClock(NOW);

	private final InstanceSet instances = new InstanceSet(this.clock);

	private final FleetRefresh refresh = new FleetRefresh(new FlowTable(100, this.clock), new PeakEwmaCost());

	private final OutlierEjection ejection = new OutlierEjection(this.instances, this.refresh);

	private final EjectionConfig config = new EjectionConfig(3, java.time.Duration.ofSeconds(30),
			java.time.Duration.ofMinutes(5), 50);

	OutlierEjectionTests() {
		this.instances.update(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)),
				ConsistentHashRing::build, SchedulerConfig.ofDefaults(), (now) -> {
				});
	}

	@Test
	void consecutiveFailuresShouldEjectForTheBaseTimeThenLonger() {
		InstanceStats a = this.instances.current().get("a");
		fail(a, 2, NOW);
		assertThat(a.ejected(NOW)).isFalse();
		fail(a, 1, NOW);
		assertThat(a.ejected(NOW)).isTrue();
		assertThat(a.ejectedUntilNanos).isEqualTo(NOW + 30 * SECOND);
		assertThat(a.consecutiveFailures.get()).isZero();
		long back = NOW + 30 * SECOND;
		assertThat(a.ejected(back)).isFalse();
		fail(a, 3, back);
		assertThat(a.ejectedUntilNanos - back).isGreaterThan(30 * SECOND);
	}

	@Test
	void aSuccessShouldResetAndAnOverloadShouldNeitherCountNorReset() {
		InstanceStats a = this.instances.current().get("a");
		fail(a, 2, NOW);
		this.ejection.onOutcome(a, Lease.Outcome.OVERLOAD, this.config, NOW);
		assertThat(a.consecutiveFailures.get()).isEqualTo(2);
		this.ejection.onOutcome(a, Lease.Outcome.SUCCESS, this.config, NOW);
		assertThat(a.consecutiveFailures.get()).isZero();
	}

	@Test
	void noMoreThanMaxPercentShouldBeEjected() {
		InstanceStats a = this.instances.current().get("a");
		InstanceStats b = this.instances.current().get("b");
		fail(a, 3, NOW);
		fail(b, 3, NOW);
		assertThat(a.ejected(NOW)).isTrue();
		assertThat(b.ejected(NOW)).isFalse();
	}

	@Test
	void zeroConsecutiveFailuresShouldNeverEject() {
		InstanceStats a = this.instances.current().get("a");
		for (int i = 0; i < 10; i++) {
			this.ejection.onOutcome(a, Lease.Outcome.FAILURE,
					new EjectionConfig(0, java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(5), 50), NOW);
		}
		assertThat(a.ejected(NOW)).isFalse();
	}

	private void fail(InstanceStats instance, int times, long now) {
		for (int i = 0; i < times; i++) {
			this.ejection.onOutcome(instance, Lease.Outcome.FAILURE, this.config, now);
		}
	}

}
