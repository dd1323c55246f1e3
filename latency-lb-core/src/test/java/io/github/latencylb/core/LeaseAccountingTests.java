package io.github.latencylb.core;

import java.util.List;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LeaseAccounting}: in-flight counts, latency samples with the failure penalty,
 * and failures fed to ejection.
 */
class LeaseAccountingTests {

	private static final long START = 5_000_000_000L;

	private final FakeClock clock = new FakeClock(START);

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final InstanceSet instances = new InstanceSet(this.clock);

	private final FleetRefresh refresh = new FleetRefresh(new FlowTable(100, this.clock), new PeakEwmaCost());

	private final LeaseAccounting leases = new LeaseAccounting(this.clock, () -> this.config,
			new OutlierEjection(this.instances, this.refresh), this.refresh);

	LeaseAccountingTests() {
		this.instances.update(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)),
				ConsistentHashRing::build, this.config, (now) -> {
				});
	}

	@Test
	void startAndReleaseShouldCountInflight() {
		InstanceStats a = this.instances.current().get("a");
		Lease first = this.leases.start(a);
		Lease second = this.leases.start(a);
		assertThat(a.inflight).isEqualTo(2);
		assertThat(a.outstanding.size()).isEqualTo(2);
		assertThat(this.leases.totalInflight()).isEqualTo(2);
		first.release();
		assertThat(a.inflight).isOne();
		assertThat(a.outstanding.size()).isOne();
		second.responded();
		assertThat(a.outstanding.isEmpty()).isTrue();
		assertThat(a.inflight).isOne();
		assertThat(this.leases.totalInflight()).isOne();
		second.release();
		assertThat(a.inflight).isZero();
		assertThat(this.leases.totalInflight()).isZero();
	}

	@Test
	void recordShouldFeedTheEwmaAndWindowWithTheLatency() {
		InstanceStats a = this.instances.current().get("a");
		this.clock.advanceNanos(7_000_000L);
		this.leases.record(a, START, START + 3_000_000L, Lease.Outcome.SUCCESS);
		assertThat(a.ewma.value(this.clock.nanoTime())).isEqualTo(3_000_000);
		assertThat(a.window.summary(this.clock.nanoTime()).count()).isOne();
		assertThat(a.lastResponseNanos).isEqualTo(START + 7_000_000L);
	}

	@Test
	void aFastFailureShouldCountAsTheFailurePenaltyAndTowardEjection() {
		InstanceStats a = this.instances.current().get("a");
		this.leases.record(a, START, START + 1_000L, Lease.Outcome.FAILURE);
		assertThat(a.ewma.value(START)).isEqualTo(1_000_000_000);
		assertThat(a.consecutiveFailures.get()).isOne();
		this.leases.record(a, START, START + 1_000L, Lease.Outcome.SUCCESS);
		assertThat(a.consecutiveFailures.get()).isZero();
	}

}
