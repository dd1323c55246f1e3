package io.github.latencylb.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link Scheduler}'s slowness verdict is a CUSUM of each response's latency against
 * the fleet's median ({@link CusumSlowness}), with the oldest outstanding request as
 * evidence: a 10x slower instance is judged within a few responses, a healthy fleet with
 * exponential service times never is, and a recovered instance clears. Literal nanos.
 */
class SchedulerCusumSlownessTests {

	private static final List<String> IDS = List.of("a", "b", "c", "d");

	private final FakeClock clock = new FakeClock(1_000_000_000_000L);

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), this.clock,
			new SplittableRandom(7));

	SchedulerCusumSlownessTests() {
		this.scheduler.updateInstances(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList());
		this.clock.advanceNanos(10_000_000_000L);
	}

	@Test
	void tenTimesSlowerInstanceShouldBeSlowWithinFiveResponses() {
		warmUp(20_000_000L);
		int responses = 0;
		while (!slow("c") && responses < 20) {
			respond("c", 200_000_000L);
			responses++;
		}
		// ln 10 - ln 3 = 1.2 per response against a threshold of 5.
		assertThat(responses).isEqualTo(5);
		// A flow at home on it moves on its next request.
		long key = keyHomedOn("c");
		assertThat(this.scheduler.chooseForFlow(key, Set.of()).instanceId()).isNotEqualTo("c");
	}

	@Test
	void oldOutstandingRequestShouldCompleteTheEvidence() {
		warmUp(20_000_000L);
		for (int i = 0; i < 3; i++) {
			respond("c", 200_000_000L);
		}
		assertThat(slow("c")).isFalse();
		// 3.6 so far; a request outstanding for 20x the median adds ln 20 - ln 3 = 1.9.
		Lease stuck = this.scheduler.start(keylessOn("c"));
		this.clock.advanceNanos(40_000_000L);
		passRefresh();
		assertThat(slow("c")).isFalse();
		this.clock.advanceNanos(360_000_000L);
		passRefresh();
		assertThat(slow("c")).isTrue();
		stuck.release();
	}

	@Test
	void recoveredInstanceShouldClearWithinSevenFastResponses() {
		warmUp(20_000_000L);
		for (int i = 0; i < 20; i++) {
			respond("c", 200_000_000L);
		}
		assertThat(slow("c")).isTrue();
		int fast = 0;
		while (slow("c") && fast < 50) {
			respond("c", 20_000_000L);
			fast++;
		}
		// From the cap (2 x 5) to the clear threshold (2.5) at ln 3 per median sample.
		assertThat(fast).isEqualTo(7);
	}

	@Test
	void slowInstanceWithoutTrafficShouldBeForgottenAfterTwoWindows() {
		warmUp(20_000_000L);
		for (int i = 0; i < 20; i++) {
			respond("c", 200_000_000L);
		}
		assertThat(slow("c")).isTrue();
		long window = SchedulerConfig.ofDefaults().latency().window().toNanos();
		this.clock.advanceNanos(window);
		passRefresh();
		assertThat(slow("c")).isTrue();
		this.clock.advanceNanos(window + 1_000_000L);
		passRefresh();
		assertThat(slow("c")).isFalse();
	}

	@Test
	void healthyFleetWithExponentialServiceShouldNeverBeJudgedSlow() {
		SplittableRandom random = new SplittableRandom(2024);
		warmUp(14_000_000L);
		int slowSeen = 0;
		for (int round = 0; round < 25_000; round++) {
			for (String id : IDS) {
				// Mean 20 ms, median 13.9 ms.
				long latency = (long) (-20_000_000L * Math.log(1 - random.nextDouble()));
				slowSeen += respond(id, latency).slow ? 1 : 0;
			}
		}
		assertThat(slowSeen).isZero();
		assertThat(this.scheduler.counters().moves(MoveCause.SLOW)).isZero();
	}

	@Test
	void responsesQueuedBehindABurstShouldNotBeEvidence() {
		warmUp(20_000_000L);
		// Ten requests sent at once to an instance that usually has one in flight: the
		// n-th waits behind n - 1 others and answers at n x 20 ms. Unscaled, the last
		// seven would add up to 5.6, over the threshold.
		Decision decision = keylessOn("c");
		List<Lease> burst = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			burst.add(this.scheduler.start(decision));
		}
		for (Lease lease : burst) {
			this.clock.advanceNanos(20_000_000L);
			lease.recordResponse(false);
			lease.release();
		}
		assertThat(slow("c")).isFalse();
		// Sent one at a time, the same latencies are evidence.
		for (int i = 4; i <= 10; i++) {
			respond("c", i * 20_000_000L);
		}
		assertThat(slow("c")).isTrue();
	}

	@Test
	void slowInstanceShouldBeJudgedWhileItsInflightGrowsWithItsSlowness() {
		warmUp(20_000_000L);
		// c answers 200 ms (10x the median) after each request starts, one request
		// starting every 50 ms: four are always in flight there (in flight is rate x
		// latency), so each starts behind three others. Scaled by usual / in-flight alone
		// a response would count 50 ms (2.5x, no evidence); less three medians of
		// possible queueing it counts 140 ms (ln 7 - ln 3 = 0.85 per response).
		Decision decision = keylessOn("c");
		ArrayDeque<Lease> inflight = new ArrayDeque<>();
		for (int i = 0; i < 4; i++) {
			inflight.add(this.scheduler.start(decision));
			this.clock.advanceNanos(50_000_000L);
		}
		int responses = 0;
		while (!slow("c") && responses < 40) {
			Lease oldest = inflight.poll();
			oldest.recordResponse(false);
			oldest.release();
			responses++;
			inflight.add(this.scheduler.start(decision));
			this.clock.advanceNanos(50_000_000L);
		}
		assertThat(slow("c")).isTrue();
		assertThat(responses).isLessThanOrEqualTo(10);
	}

	@Test
	void aStallOfTheWholeFleetShouldNotBeEvidenceAgainstOneInstance() {
		warmUp(20_000_000L);
		List<Lease> others = new ArrayList<>();
		for (String id : List.of("a", "b", "d")) {
			others.add(this.scheduler.start(keylessOn(id)));
		}
		List<Lease> onC = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			onC.add(this.scheduler.start(keylessOn("c")));
		}
		// The gateway stalls for 400 ms (20x the median): everything answers late.
		this.clock.advanceNanos(400_000_000L);
		for (Lease lease : onC) {
			lease.recordResponse(false);
			lease.release();
		}
		assertThat(slow("c")).isFalse();
		for (Lease lease : others) {
			lease.recordResponse(false);
			lease.release();
		}
		assertThat(IDS.stream().filter(this::slow)).isEmpty();
	}

	@Test
	void microsecondResponsesShouldNeverBeJudgedSlow() {
		warmUp(100_000L);
		for (int i = 0; i < 50; i++) {
			// 15x the fleet's median but under minSlowLatency (2 ms).
			respond("c", 1_500_000L);
		}
		assertThat(slow("c")).isFalse();
	}

	private void warmUp(long latencyNanos) {
		int samples = SchedulerConfig.ofDefaults().latency().minSamples();
		for (int i = 0; i < samples; i++) {
			for (String id : IDS) {
				respond(id, latencyNanos);
			}
		}
		passRefresh();
	}

	private InstanceStats respond(String id, long latencyNanos) {
		Decision decision = keylessOn(id);
		Lease lease = this.scheduler.start(decision);
		this.clock.advanceNanos(latencyNanos);
		lease.recordResponse(false);
		lease.release();
		return decision.stats();
	}

	private Decision keylessOn(String id) {
		Set<String> others = new HashSet<>(IDS);
		others.remove(id);
		Decision decision = this.scheduler.chooseKeyless(others);
		assertThat(decision.instanceId()).isEqualTo(id);
		return decision;
	}

	private void passRefresh() {
		this.clock.advanceNanos(SchedulerConfig.ofDefaults().refreshInterval().toNanos() + 1);
		this.scheduler.chooseKeyless(Set.of());
	}

	private boolean slow(String id) {
		return this.scheduler.snapshot().instance(id).slow();
	}

	private long keyHomedOn(String id) {
		ConsistentHashRing ring = ConsistentHashRing.build(
				IDS.stream().map((other) -> new WeightedInstance(other, 1)).toList(),
				SchedulerConfig.ofDefaults().virtualNodes());
		for (long key = 1;; key++) {
			long hash = StableHash.hash("flow-" + key);
			if (ring.home(hash).equals(id)) {
				return hash;
			}
		}
	}

}
