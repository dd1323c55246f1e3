package io.github.latencylb.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of latency fallback: when an instance's windowed median exceeds
 * {@code latencyFactor} x the fleet's median (over at least {@code minSamples} samples),
 * new flows homed on it go to the best of the next {@code candidates} instances on the
 * ring and its flows move (cause {@link MoveCause#SLOW}); a moved flow does not flap
 * back; single slow responses move nothing.
 */
class SchedulerFallbackTests {

	private static final long SEED = 23;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, 5, SEED);

	private final String slow = Fleet.id(3);

	@Test
	void chooseWhenHomeIsSlowShouldFallBackToNextOnRing() {
		List<Long> placed = this.fleet.keysHomedOn(this.slow, 5);
		placed.forEach((key) -> assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.NEW_FLOW));
		makeSlow();
		assertThat(this.fleet.stateOf(this.slow).slow()).isTrue();
		Set<String> targets = new HashSet<>();
		for (int i = 0; i < 200; i++) {
			long key = this.fleet.keyHomedOn(this.slow);
			Decision decision = this.fleet.flow(key);
			assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_SLOW);
			assertThat(decision.moveCause()).isNull();
			assertThat(this.fleet.nextOnRing(key, this.config.candidates())).contains(decision.instanceId());
			targets.add(decision.instanceId());
		}
		// Spread over the fleet rather than herded onto one instance.
		assertThat(targets).hasSize(4);
		for (long key : placed) {
			Decision moved = this.fleet.flow(key);
			assertThat(moved.reason()).isEqualTo(DecisionReason.FALLBACK_SLOW);
			assertThat(moved.moveCause()).isEqualTo(MoveCause.SLOW);
			assertThat(this.fleet.nextOnRing(key, this.config.candidates())).contains(moved.instanceId());
			Decision next = this.fleet.flow(key);
			assertThat(next.instanceId()).isEqualTo(moved.instanceId());
			assertThat(next.reason()).isEqualTo(DecisionReason.PINNED);
			assertThat(next.moveCause()).isNull();
		}
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.SLOW)).isEqualTo(placed.size());
		assertThat(this.fleet.totalMoves()).isEqualTo(placed.size());
	}

	@Test
	void chooseWhenHomeIsSlowShouldLeaveFlowsOfOtherInstancesAlone() {
		Map<Long, String> others = new HashMap<>();
		for (int i = 0; i < 200; i++) {
			long key = this.fleet.newKey();
			if (!this.fleet.home(key).equals(this.slow)) {
				others.put(key, this.fleet.flow(key).instanceId());
			}
		}
		makeSlow();
		others.forEach((key, instance) -> {
			Decision decision = this.fleet.flow(key);
			assertThat(decision.instanceId()).isEqualTo(instance);
			assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		});
		assertThat(this.fleet.totalMoves()).isZero();
	}

	@Test
	void fallbackShouldPreferTheLowestScoreAmongCandidates() {
		String lagging = Fleet.id(5);
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(),
				Map.of(this.slow, Fleet.ms(50), lagging, Fleet.ms(15)));
		this.fleet.passRefresh();
		assertThat(this.fleet.stateOf(lagging).slow()).isFalse();
		int candidatesWithLagging = 0;
		for (int i = 0; i < 300; i++) {
			long key = this.fleet.keyHomedOn(this.slow);
			if (this.fleet.nextOnRing(key, this.config.candidates()).contains(lagging)) {
				candidatesWithLagging++;
				// 1.5x the cost of the others: more than 10% worse, never picked.
				assertThat(this.fleet.flow(key).instanceId()).isNotEqualTo(lagging);
			}
		}
		assertThat(candidatesWithLagging).isGreaterThan(100);
	}

	@Test
	void chooseWhenSlowInstanceHasTooFewResponsesShouldNotJudgeItYet() {
		// Issue 9: a sequential test judges within a few responses (was: minSamples).
		// 50x the fleet's median counts as 20x (clamp): ln 20 - ln 3 = 1.9 per response,
		// so two responses (3.8) are not enough for the threshold (5), three (5.7) are.
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		Map<String, Duration> fast = new HashMap<>();
		this.fleet.ids().stream().filter((id) -> !id.equals(this.slow)).forEach((id) -> fast.put(id, Fleet.ms(10)));
		this.fleet.respond(fast, this.config.minSamples());
		this.fleet.respond(Map.of(this.slow, Fleet.ms(500)), 2);
		this.fleet.passRefresh();
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		this.fleet.respond(Map.of(this.slow, Fleet.ms(500)), 1);
		this.fleet.passRefresh();
		assertThat(this.fleet.flow(key).moveCause()).isEqualTo(MoveCause.SLOW);
	}

	@Test
	void chooseWhenFewerThanHalfOfSamplesAreSlowShouldNotJudgeIt() {
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of());
		// Issue 9: one slow response in three, interleaved (a sequential test sees order;
		// was: minSamples - 1 slow responses in a row after as many fast ones).
		for (int i = 0; i < this.config.minSamples() - 1; i++) {
			this.fleet.respond(Map.of(this.slow, Fleet.ms(10)), 2);
			this.fleet.respond(Map.of(this.slow, Fleet.ms(500)), 1);
		}
		this.fleet.passRefresh();
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		assertThat(this.fleet.totalMoves()).isZero();
	}

	@Test
	void chooseWhenMedianIsOverLatencyFactorButUnderTheReferenceRatioShouldNotJudgeIt() {
		// Issue 9: the verdict is a CUSUM against cusumReferenceRatio (3) x the fleet's
		// median; a 2.5x median is left to the cost ranking, however many samples (was:
		// judged once 400 samples made a median over latencyFactor x the fleet's sure).
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		Map<String, Duration> fast = new HashMap<>();
		this.fleet.ids().stream().filter((id) -> !id.equals(this.slow)).forEach((id) -> fast.put(id, Fleet.ms(10)));
		this.fleet.respond(fast, 400);
		// 60% at 25 ms, 40% at 5 ms: the median (25 ms) is over 2 x the fleet's.
		this.fleet.respond(Map.of(this.slow, Fleet.ms(5)), 8);
		this.fleet.respond(Map.of(this.slow, Fleet.ms(25)), 12);
		this.fleet.passRefresh();
		assertThat(this.fleet.stateOf(this.slow).p50Nanos()).isGreaterThan(Fleet.ms(20).toNanos());
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		this.fleet.respond(Map.of(this.slow, Fleet.ms(5)), 152);
		this.fleet.respond(Map.of(this.slow, Fleet.ms(25)), 228);
		this.fleet.passRefresh();
		assertThat(this.fleet.flow(key).moveCause()).isNull();
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
	}

	@Test
	void chooseWhenFleetHasOnlySlowEvidenceForOneInstanceShouldNotJudgeIt() {
		// With a single instance measured there is no fleet to compare with.
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		this.fleet.respond(Map.of(this.slow, Fleet.ms(500)), this.config.minSamples());
		this.fleet.passRefresh();
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
	}

	@Test
	void chooseWhenMedianIsUnderTheAbsoluteFloorShouldNotJudgeIt() {
		// 10x slower but still under minSlowLatency (2 ms): microsecond noise.
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		this.fleet.respondAll(Duration.ofNanos(150_000), this.config.minSamples(),
				Map.of(this.slow, Duration.ofNanos(1_500_000)));
		this.fleet.passRefresh();
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
	}

	@Test
	void movedFlowShouldStayPinnedAfterHomeRecoversUntilIdlePastTimeout() {
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.flow(key);
		makeSlow();
		Decision moved = this.fleet.flow(key);
		assertThat(moved.moveCause()).isEqualTo(MoveCause.SLOW);
		String away = moved.instanceId();
		// Home recovers: the slow samples leave the window, fresh fast ones come in.
		this.fleet.clock.advance(this.config.latencyWindow());
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of());
		this.fleet.passRefresh();
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		assertThat(this.fleet.flow(this.fleet.keyHomedOn(this.slow)).reason()).isEqualTo(DecisionReason.NEW_FLOW);
		// Active every 10 minutes for an hour (twice the idle timeout): stays away.
		for (int i = 0; i < 6; i++) {
			this.fleet.clock.advance(Duration.ofMinutes(10));
			Decision decision = this.fleet.flow(key);
			assertThat(decision.instanceId()).isEqualTo(away);
			assertThat(decision.reason()).isEqualTo(DecisionReason.PINNED);
		}
		this.fleet.clock.advance(this.config.idleTimeout().plusSeconds(1));
		Decision returned = this.fleet.flow(key);
		assertThat(returned.instanceId()).isEqualTo(this.slow);
		assertThat(returned.reason()).isEqualTo(DecisionReason.NEW_FLOW);
		assertThat(returned.moveCause()).isNull();
		assertThat(this.fleet.totalMoves()).isOne();
	}

	@Test
	void movesOffASlowInstanceShouldBeRateLimited() {
		Fleet limited = new Fleet(this.config.with((b) -> b.maxMovesPerSecond = 10), 5, SEED);
		List<Long> placed = limited.keysHomedOn(this.slow, 25);
		placed.forEach(limited::flow);
		limited.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of(this.slow, Fleet.ms(50)));
		limited.passRefresh();
		int moved = 0;
		for (long key : placed) {
			Decision decision = limited.flow(key);
			if (decision.moveCause() == MoveCause.SLOW) {
				moved++;
			}
			else {
				assertThat(decision.instanceId()).isEqualTo(this.slow);
				assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
			}
		}
		assertThat(moved).isEqualTo(10);
		assertThat(limited.scheduler.snapshot().deferredMoves()).isEqualTo(15);
		limited.clock.advance(Duration.ofSeconds(1));
		placed.forEach(limited::flow);
		assertThat(limited.scheduler.counters().moves(MoveCause.SLOW)).isEqualTo(20);
	}

	@Test
	void chooseWhenOneResponseIsVerySlowShouldMoveNothing() {
		Traffic traffic = new Traffic(this.fleet, 10);
		String outlierFlowHome = this.slow;
		traffic.run(Duration.ofSeconds(3), (flow, instance, n) -> {
			boolean outlier = instance.equals(outlierFlowHome) && flow == 0 && n == 50;
			return outlier ? Duration.ofSeconds(1) : Fleet.ms(10);
		});
		assertThat(traffic.outliers).isOne();
		traffic.assertNothingMoved();
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
	}

	@Test
	void chooseWhenAFewResponsesInALongSeriesAreSlowShouldMoveNothing() {
		Traffic traffic = new Traffic(this.fleet, 10);
		traffic.run(Duration.ofSeconds(5), (flow, instance, n) -> {
			boolean outlier = instance.equals(this.slow) && flow < 5 && n == 40 + 40 * flow;
			return outlier ? Fleet.ms(500) : Fleet.ms(10);
		});
		assertThat(traffic.outliers).isEqualTo(5);
		assertThat(traffic.requests).isGreaterThan(10_000);
		traffic.assertNothingMoved();
	}

	@Test
	void chooseWhileTheOnlyRequestOfAnIdleInstanceIsVerySlowShouldMoveNothing() {
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of());
		long key = this.fleet.keyHomedOn(this.slow);
		Lease lingering = this.fleet.scheduler.start(this.fleet.flow(key));
		// Far past stuckFactor x threshold (10 x 20 ms), with nothing else in flight
		// there.
		this.fleet.clock.advance(Duration.ofSeconds(2));
		Decision decision = this.fleet.flow(key);
		assertThat(decision.instanceId()).isEqualTo(this.slow);
		assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(this.slow).oldestOutstandingNanos())
			.isGreaterThanOrEqualTo(Fleet.ms(2000).toNanos());
		assertThat(this.fleet.stateOf(this.slow).slow()).isFalse();
		lingering.recordResponse(false);
		lingering.release();
	}

	@Test
	void chooseWhenTwoRequestsAreUnansweredPastTheStuckLimitShouldMoveFlows() {
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of());
		long key = this.fleet.keyHomedOn(this.slow);
		this.fleet.scheduler.start(this.fleet.flow(key));
		this.fleet.scheduler.start(this.fleet.flow(key));
		// The limit is 10 x 20 ms; fleet state is refreshed every 100 ms.
		this.fleet.clock.advance(Fleet.ms(150));
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.HOME);
		this.fleet.clock.advance(Fleet.ms(150));
		Decision moved = this.fleet.flow(key);
		assertThat(moved.moveCause()).isEqualTo(MoveCause.SLOW);
		assertThat(this.fleet.stateOf(this.slow).slow()).isTrue();
	}

	@Test
	void chooseWhenAnInstanceStopsAnsweringShouldMoveItsFlowsBeforeAnyResponse() {
		Traffic traffic = new Traffic(this.fleet, 10);
		// Warm up, then the slow instance hangs: nothing it gets comes back within the
		// test.
		traffic.run(Duration.ofSeconds(2), (flow, instance, n) -> Fleet.ms(10));
		traffic.assertNothingMoved();
		traffic.run(Duration.ofSeconds(2),
				(flow, instance, n) -> instance.equals(this.slow) ? Duration.ofHours(1) : Fleet.ms(10));
		assertThat(this.fleet.stateOf(this.slow).slow()).isTrue();
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.SLOW)).isEqualTo(10);
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.UNAVAILABLE)).isZero();
	}

	private void makeSlow() {
		this.fleet.respondAll(Fleet.ms(10), this.config.minSamples(), Map.of(this.slow, Fleet.ms(50)));
		this.fleet.passRefresh();
	}

	/**
	 * Latency of the n-th request of a flow (flows numbered per home instance) on the
	 * instance that serves it.
	 */
	@FunctionalInterface
	interface LatencyModel {

		Duration latency(int flow, String instance, int n);

	}

	/**
	 * Closed-loop traffic: {@code flowsPerInstance} flows homed on each instance, each
	 * sending a request every 20 ms (staggered) whatever is in flight, answered after the
	 * model's latency. Records where every request went.
	 */
	static final class Traffic {

		private final Fleet fleet;

		private final EventLoop loop;

		private final List<Long> keys = new ArrayList<>();

		private final Map<Long, String> homes = new HashMap<>();

		private final Map<Long, Integer> index = new HashMap<>();

		private final Map<Long, Integer> sent = new HashMap<>();

		private final List<Decision> unexpected = new ArrayList<>();

		int requests;

		int outliers;

		Traffic(Fleet fleet, int flowsPerInstance) {
			this.fleet = fleet;
			this.loop = new EventLoop(fleet.clock);
			// Interleaved across instances, so that starts are spread evenly.
			for (int i = 0; i < flowsPerInstance; i++) {
				for (String id : fleet.ids()) {
					long key = fleet.keyHomedOn(id);
					this.keys.add(key);
					this.homes.put(key, id);
					this.index.put(key, i);
				}
			}
		}

		void run(Duration duration, LatencyModel model) {
			long period = Fleet.ms(20).toNanos();
			long end = this.fleet.clock.nanoTime() + duration.toNanos();
			for (int i = 0; i < this.keys.size(); i++) {
				long key = this.keys.get(i);
				long offset = period * i / this.keys.size();
				this.loop.after(offset, () -> send(key, model, period, end));
			}
			this.loop.runFor(duration.toNanos());
		}

		private void send(long key, LatencyModel model, long period, long end) {
			if (this.fleet.clock.nanoTime() - end >= 0) {
				return;
			}
			Decision decision = this.fleet.flow(key);
			String home = this.homes.get(key);
			boolean expected = decision.instanceId().equals(home) && decision.moveCause() == null
					&& (decision.reason() == DecisionReason.HOME || decision.reason() == DecisionReason.NEW_FLOW);
			if (!expected) {
				this.unexpected.add(decision);
			}
			int n = this.sent.merge(key, 1, Integer::sum);
			Duration latency = model.latency(this.index.get(key), decision.instanceId(), n);
			if (latency.compareTo(Fleet.ms(10)) > 0 && latency.compareTo(Duration.ofMinutes(1)) < 0) {
				this.outliers++;
			}
			this.requests++;
			Lease lease = this.fleet.scheduler.start(decision);
			this.loop.after(latency.toNanos(), () -> {
				lease.recordResponse(false);
				lease.release();
			});
			this.loop.after(period, () -> send(key, model, period, end));
		}

		void assertNothingMoved() {
			assertThat(this.unexpected).isEmpty();
			assertThat(this.fleet.totalMoves()).isZero();
		}

	}

}
