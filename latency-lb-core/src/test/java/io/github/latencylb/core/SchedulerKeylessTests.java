package io.github.latencylb.core;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of keyless requests (power of two choices on peak EWMA x (in-flight + 1))
 * and of draining.
 */
class SchedulerKeylessTests {

	private static final long SEED = 31;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final String slow = Fleet.id(4);

	@Test
	void instanceTenTimesSlowerShouldGetUnderTenPercentOfKeylessPicks() {
		Map<String, Long> picks = simulate(new Fleet(this.config, 5, SEED));
		double share = share(picks, this.slow);
		// Judged slow (median over 2 x the fleet's): it leaves the keyless pool, but for
		// probes after its verdict lapses. Measured: 0.12%.
		assertThat(share).isLessThan(0.10);
	}

	@Test
	void instanceTenTimesSlowerShouldGetUnderTenPercentOfKeylessPicksByScoreAlone() {
		// Never judged slow: only the power of two choices on its score keeps it away.
		Fleet fleet = new Fleet(this.config.with((b) -> {
			b.latencyFactor = 1000;
			b.cusumThreshold = 1e9;
		}), 5, SEED);
		Map<String, Long> picks = simulate(fleet);
		assertThat(fleet.stateOf(this.slow).slow()).isFalse();
		double share = share(picks, this.slow);
		// Measured: 0.29%.
		assertThat(share).isLessThan(0.10);
	}

	@Test
	void keylessShouldSpreadEvenlyOverEqualInstances() {
		Fleet fleet = new Fleet(this.config, 5, SEED);
		Map<String, Long> picks = simulate(fleet, Map.of());
		// Measured: within 5% of a fair share.
		for (String id : fleet.ids()) {
			assertThat(share(picks, id)).as(id).isBetween(0.8 / 5, 1.2 / 5);
		}
	}

	@Test
	void drainingInstanceShouldGetNoKeylessAndNoNewFlowsButKeepItsFlows() {
		Fleet fleet = new Fleet(this.config, 5, SEED);
		String draining = Fleet.id(2);
		List<Long> existing = fleet.keysHomedOn(draining, 30);
		existing.forEach(fleet::flow);
		assertThat(fleet.scheduler.setDraining(draining, true)).isTrue();
		assertThat(fleet.stateOf(draining).state()).isEqualTo(InstanceState.DRAINING);
		for (int i = 0; i < 5000; i++) {
			assertThat(fleet.scheduler.chooseKeyless(Set.of()).instanceId()).isNotEqualTo(draining);
		}
		for (long key : fleet.keysHomedOn(draining, 200)) {
			Decision decision = fleet.flow(key);
			assertThat(decision.instanceId()).isNotEqualTo(draining);
			assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_UNAVAILABLE);
		}
		for (long key : existing) {
			Decision decision = fleet.flow(key);
			assertThat(decision.instanceId()).isEqualTo(draining);
			assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		}
		assertThat(fleet.totalMoves()).isZero();
		assertThat(fleet.scheduler.setDraining(draining, false)).isTrue();
		assertThat(fleet.stateOf(draining).state()).isEqualTo(InstanceState.ACTIVE);
		assertThat(fleet.flow(fleet.keyHomedOn(draining)).reason()).isEqualTo(DecisionReason.NEW_FLOW);
		assertThat(fleet.scheduler.setDraining("10.9.9.9:8080", true)).isFalse();
	}

	private Map<String, Long> simulate(Fleet fleet) {
		return simulate(fleet, Map.of(this.slow, Duration.ofMillis(100)));
	}

	/**
	 * 500 keyless requests/s for 60 s, exponential service times (10 ms, or as given);
	 * picks counted after 5 s.
	 */
	private static Map<String, Long> simulate(Fleet fleet, Map<String, Duration> slower) {
		EventLoop loop = new EventLoop(fleet.clock);
		SplittableRandom random = new SplittableRandom(SEED);
		Map<String, Long> picks = new HashMap<>();
		long warmUp = fleet.clock.nanoTime() + Duration.ofSeconds(5).toNanos();
		long t = 0;
		while ((t += exponential(random, 2_000_000)) < Duration.ofSeconds(60).toNanos()) {
			loop.after(t, () -> {
				Decision decision = fleet.scheduler.chooseKeyless(Set.of());
				if (fleet.clock.nanoTime() - warmUp >= 0) {
					picks.merge(decision.instanceId(), 1L, Long::sum);
				}
				Lease lease = fleet.scheduler.start(decision);
				long mean = slower.getOrDefault(decision.instanceId(), Duration.ofMillis(10)).toNanos();
				loop.after(exponential(random, mean), () -> {
					lease.recordResponse(false);
					lease.release();
				});
			});
		}
		loop.drain();
		assertThat(fleet.scheduler.totalInflight()).isZero();
		return picks;
	}

	private static double share(Map<String, Long> picks, String id) {
		long total = picks.values().stream().mapToLong(Long::longValue).sum();
		return (double) picks.getOrDefault(id, 0L) / total;
	}

	private static long exponential(SplittableRandom random, long meanNanos) {
		return (long) (-Math.log(1 - random.nextDouble()) * meanNanos);
	}

}
