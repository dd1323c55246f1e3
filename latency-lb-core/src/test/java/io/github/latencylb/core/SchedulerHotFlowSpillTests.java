package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.SchedulerAdmissionTests.FakeAdmission;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9: a hot flow's excess at its saturated home goes to the least-loaded fit
 * instance with a free permit, the flow's ring candidates first, then any fit instance;
 * with none free, the decision names home with reason {@link DecisionReason#OVERFLOW}, so
 * that the gateway lets the request wait for the first permit of any fit instance. The
 * flow never moves. Literal nanos.
 */
class SchedulerHotFlowSpillTests {

	private static final List<String> IDS = List.of("a", "b", "c", "d", "e");

	private final FakeClock clock = new FakeClock(7_000_000_000_000L);

	private final FakeAdmission admission = new FakeAdmission();

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Scheduler scheduler = new Scheduler("svc", this.config, this.clock, new SplittableRandom(5));

	private final ConsistentHashRing ring = ConsistentHashRing
		.build(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList(), this.config.virtualNodes());

	private final long key = StableHash.hash("hot-cookie");

	private final String home = this.ring.home(this.key);

	private final List<String> candidates = this.ring.preferenceList(this.key, this.config.fallback().candidates(),
			(id) -> !id.equals(this.home));

	private final String beyond = IDS.stream()
		.filter((id) -> !id.equals(this.home) && !this.candidates.contains(id))
		.findFirst()
		.orElseThrow();

	SchedulerHotFlowSpillTests() {
		this.scheduler.updateInstances(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList());
		this.scheduler.setAdmissionView(this.admission);
		this.clock.advanceNanos(10_000_000_000L);
	}

	@Test
	void hotFlowShouldSpillBeyondItsRingCandidatesWhenTheyAreFull() {
		List<Lease> hot = makeHot();
		this.admission.saturate(this.home);
		this.candidates.forEach(this.admission::saturate);
		Decision spill = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(spill.instanceId()).isEqualTo(this.beyond);
		assertThat(spill.reason()).isEqualTo(DecisionReason.OVERFLOW);
		assertThat(spill.moveCause()).isNull();
		hot.forEach(Lease::release);
		assertBackHomeWithoutAMove();
	}

	@Test
	void hotFlowShouldBeNamedHomeWithReasonOverflowWhenNoInstanceHasAFreePermit() {
		List<Lease> hot = makeHot();
		IDS.forEach(this.admission::saturate);
		for (int i = 0; i < 3; i++) {
			Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
			assertThat(decision.instanceId()).isEqualTo(this.home);
			assertThat(decision.reason()).isEqualTo(DecisionReason.OVERFLOW);
			assertThat(decision.moveCause()).isNull();
		}
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isEqualTo(3);
		hot.forEach(Lease::release);
		assertBackHomeWithoutAMove();
	}

	@Test
	void hotFlowShouldNotSpillToAnExcludedOrDrainingInstance() {
		List<Lease> hot = makeHot();
		this.admission.saturate(this.home);
		this.candidates.forEach(this.admission::saturate);
		Decision excluded = this.scheduler.chooseForFlow(this.key, Set.of(this.beyond));
		assertThat(excluded.instanceId()).isEqualTo(this.home);
		assertThat(excluded.reason()).isEqualTo(DecisionReason.OVERFLOW);
		assertThat(this.scheduler.setDraining(this.beyond, true)).isTrue();
		Decision draining = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(draining.instanceId()).isEqualTo(this.home);
		assertThat(draining.reason()).isEqualTo(DecisionReason.OVERFLOW);
		hot.forEach(Lease::release);
	}

	@Test
	void spillShouldGoToTheLeastLoadedFreeCandidate() {
		List<Lease> hot = makeHot();
		this.admission.saturate(this.home);
		List<Lease> load = new ArrayList<>();
		// The first two candidates carry keyless load; the third carries none.
		for (int i = 0; i < 2; i++) {
			String id = this.candidates.get(i);
			Set<String> others = new HashSet<>(IDS);
			others.remove(id);
			for (int j = 0; j <= i; j++) {
				load.add(this.scheduler.start(this.scheduler.chooseKeyless(others)));
			}
		}
		Decision spill = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(spill.instanceId()).isEqualTo(this.candidates.get(2));
		assertThat(spill.reason()).isEqualTo(DecisionReason.OVERFLOW);
		load.forEach(Lease::release);
		hot.forEach(Lease::release);
	}

	@Test
	void flowWithOneRequestInFlightShouldWaitAtHomeWhenNoOtherInstanceIsFree() {
		Decision first = this.scheduler.chooseForFlow(this.key, Set.of());
		Lease one = this.scheduler.start(first);
		IDS.forEach(this.admission::saturate);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(this.home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		one.release();
	}

	@Test
	void hotFlowWithOneRequestAtHomeAndItsExcessElsewhereShouldStillSpill() {
		List<Lease> hot = makeHot();
		this.admission.saturate(this.home);
		Decision spill = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(spill.reason()).isEqualTo(DecisionReason.OVERFLOW);
		Lease spilt = this.scheduler.start(spill);
		// One request at home, one elsewhere: its next request still spills instead of
		// piling up in the home's queue.
		hot.get(0).release();
		Decision next = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(next.instanceId()).isNotEqualTo(this.home);
		assertThat(next.reason()).isEqualTo(DecisionReason.OVERFLOW);
		// One request in flight in all: it waits at home.
		spilt.release();
		Decision back = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(back.instanceId()).isEqualTo(this.home);
		assertThat(back.reason()).isEqualTo(DecisionReason.HOME);
		hot.get(1).release();
	}

	@Test
	void requestOverItsBudgetShouldWaitAtItsHealthyHomeEvenWhenAnotherInstanceFreesAPermit() {
		// 100 ms everywhere: the fleet's p95 is 100 ms, a flow's budget 200 ms.
		for (String id : IDS) {
			Set<String> others = new HashSet<>(IDS);
			others.remove(id);
			for (int i = 0; i < this.config.latency().minSamples(); i++) {
				Lease lease = this.scheduler.start(this.scheduler.chooseKeyless(others));
				this.clock.advanceNanos(100_000_000L);
				lease.recordResponse(false);
				lease.release();
			}
		}
		this.clock.advanceNanos(this.config.refreshInterval().toNanos() + 1);
		this.scheduler.chooseForFlow(this.key, Set.of());
		IDS.forEach(this.admission::saturate);
		// 5 waiting: about 600 ms, over the budget (not 10 budgets), every instance full.
		this.admission.queues.put(this.home, 5);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(this.home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		// One instance frees a permit: a flow with one request at a time still waits at
		// its healthy home (issue 9: only hot flows spill).
		this.admission.permits.put(this.beyond, true);
		this.admission.queues.remove(this.beyond);
		Decision stays = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(stays.instanceId()).isEqualTo(this.home);
		assertThat(stays.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
	}

	/** Two requests of the flow in flight at home: more than its fair share. */
	private List<Lease> makeHot() {
		Decision first = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(first.instanceId()).isEqualTo(this.home);
		Decision second = this.scheduler.chooseForFlow(this.key, Set.of());
		return List.of(this.scheduler.start(first), this.scheduler.start(second));
	}

	private void assertBackHomeWithoutAMove() {
		this.admission.clear();
		Decision back = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(back.instanceId()).isEqualTo(this.home);
		assertThat(back.reason()).isEqualTo(DecisionReason.HOME);
		for (MoveCause cause : MoveCause.values()) {
			assertThat(this.scheduler.counters().moves(cause)).as(cause.tag()).isZero();
		}
	}

}
