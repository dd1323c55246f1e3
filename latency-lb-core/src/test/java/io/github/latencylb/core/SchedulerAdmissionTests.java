package io.github.latencylb.core;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the {@link Scheduler} uses an {@link AdmissionView}: keyless requests avoid
 * saturated instances (no free permit, requests waiting) when a candidate has a free
 * permit, and so do new flows whose expected wait at home exceeds their budget; a request
 * of a hot flow (two or more in flight) whose instance is saturated overflows to a
 * candidate with a free permit without re-pinning the flow. (Issue 9: a flow with one
 * request at a time waits at its saturated home, see {@link SchedulerFlowWaitTests}.)
 */
class SchedulerAdmissionTests {

	private static final List<WeightedInstance> INSTANCES = List.of(new WeightedInstance("a", 1),
			new WeightedInstance("b", 1), new WeightedInstance("c", 1));

	private final AtomicLong time = new AtomicLong(1_000_000_000L);

	private final FakeAdmission admission = new FakeAdmission();

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final ConsistentHashRing ring = ConsistentHashRing.build(INSTANCES, this.config.virtualNodes());

	private Scheduler scheduler;

	@BeforeEach
	void createScheduler() {
		RandomGenerator random = new SplittableRandom(42);
		this.scheduler = new Scheduler("svc", this.config, this.time::get, random);
		this.scheduler.updateInstances(INSTANCES);
		this.scheduler.setAdmissionView(this.admission);
	}

	@Test
	void chooseForFlowWhenNewFlowsHomeIsSaturatedShouldFallBackToACandidateWithAFreePermit() {
		long key = StableHash.hash("user-1");
		String home = this.ring.home(key);
		overBudget(home);
		Decision decision = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(decision.instanceId()).isNotEqualTo(home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_OVERLOADED);
		assertThat(decision.moveCause()).isNull();
		// The new flow is recorded where it landed.
		this.admission.clear();
		Decision next = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(next.instanceId()).isEqualTo(decision.instanceId());
		assertThat(next.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(movesOfAnyCause()).isZero();
	}

	@Test
	void chooseForFlowWhenEveryInstanceIsSaturatedShouldPlaceANewFlowAtHome() {
		long key = StableHash.hash("user-2");
		String home = this.ring.home(key);
		INSTANCES.forEach((instance) -> this.admission.saturate(instance.id()));
		Decision decision = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
	}

	@Test
	void chooseForFlowWhenHomeIsOnlyBusyWithoutQueueShouldStayHome() {
		long key = StableHash.hash("user-3");
		String home = this.ring.home(key);
		// No free permit but nobody waits yet: not saturated.
		this.admission.permits.put(home, false);
		Decision decision = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
	}

	@Test
	void chooseForFlowWhenPinnedInstanceIsSaturatedShouldOverflowOneRequestWithoutRepinning() {
		long key = StableHash.hash("hot-session");
		String home = this.ring.home(key);
		Decision first = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(first.instanceId()).isEqualTo(home);
		assertThat(first.reason()).isEqualTo(DecisionReason.NEW_FLOW);
		// A hot flow: two requests in flight at home.
		List<Lease> hot = List.of(this.scheduler.start(first), this.scheduler.start(first));

		this.admission.saturate(home);
		for (int i = 0; i < 5; i++) {
			Decision overflow = this.scheduler.chooseForFlow(key, Set.of());
			assertThat(overflow.instanceId()).isNotEqualTo(home);
			assertThat(overflow.reason()).isEqualTo(DecisionReason.OVERFLOW);
			assertThat(overflow.moveCause()).isNull();
			// The overflow target is on the flow's preference list.
			assertThat(this.ring.preferenceList(key, this.config.candidates() + 1, (id) -> !id.equals(home)))
				.contains(overflow.instanceId());
		}
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isEqualTo(5);

		hot.forEach(Lease::release);
		this.admission.clear();
		Decision back = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(back.instanceId()).isEqualTo(home);
		assertThat(back.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(back.moveCause()).isNull();
		assertThat(movesOfAnyCause()).isZero();
	}

	@Test
	void chooseForFlowWhenPinnedInstanceIsSaturatedShouldOverflowToTheCandidateWithAFreePermit() {
		long key = StableHash.hash("hot-session-2");
		String home = this.ring.home(key);
		Decision first = this.scheduler.chooseForFlow(key, Set.of());
		this.scheduler.start(first);
		this.scheduler.start(first);
		List<String> others = this.ring.preferenceList(key, 3, (id) -> !id.equals(home));
		this.admission.saturate(home);
		// The first candidate after home has no free permit (but nobody waits): skipped.
		this.admission.permits.put(others.get(0), false);
		for (int i = 0; i < 5; i++) {
			Decision overflow = this.scheduler.chooseForFlow(key, Set.of());
			assertThat(overflow.instanceId()).isEqualTo(others.get(1));
			assertThat(overflow.reason()).isEqualTo(DecisionReason.OVERFLOW);
		}
	}

	@Test
	void chooseForFlowWhenPinnedInstanceAndEveryCandidateAreFullShouldStayPinned() {
		long key = StableHash.hash("hot-session-3");
		String home = this.ring.home(key);
		this.scheduler.chooseForFlow(key, Set.of());
		INSTANCES.forEach((instance) -> this.admission.saturate(instance.id()));
		Decision decision = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		assertThat(movesOfAnyCause()).isZero();
	}

	@Test
	void chooseForFlowWhenPinnedInstanceIsExcludedShouldMoveTheFlowForRetry() {
		long key = StableHash.hash("retried-session");
		String home = this.ring.home(key);
		this.scheduler.chooseForFlow(key, Set.of());
		Decision retry = this.scheduler.chooseForFlow(key, Set.of(home));
		assertThat(retry.instanceId()).isNotEqualTo(home);
		assertThat(retry.moveCause()).isEqualTo(MoveCause.RETRY);
		assertThat(this.scheduler.counters().moves(MoveCause.RETRY)).isEqualTo(1);
		// Re-pinned where the retry went.
		Decision next = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(next.instanceId()).isEqualTo(retry.instanceId());
		assertThat(next.reason()).isEqualTo(DecisionReason.PINNED);
	}

	@Test
	void chooseKeylessShouldAvoidASaturatedInstance() {
		this.admission.saturate("b");
		for (int i = 0; i < 300; i++) {
			Decision decision = this.scheduler.chooseKeyless(Set.of());
			assertThat(decision.instanceId()).isNotEqualTo("b");
			assertThat(decision.reason()).isEqualTo(DecisionReason.KEYLESS);
		}
		this.admission.clear();
		boolean sawB = false;
		for (int i = 0; i < 300 && !sawB; i++) {
			sawB = "b".equals(this.scheduler.chooseKeyless(Set.of()).instanceId());
		}
		assertThat(sawB).as("b is chosen again once it has room").isTrue();
	}

	@Test
	void chooseKeylessWhenEveryInstanceIsSaturatedShouldStillChoose() {
		INSTANCES.forEach((instance) -> this.admission.saturate(instance.id()));
		assertThat(this.scheduler.chooseKeyless(Set.of())).isNotNull();
	}

	/**
	 * Saturate an instance whose expected wait exceeds any new flow's budget: 100 ms
	 * responses, 50 requests waiting.
	 */
	private void overBudget(String id) {
		for (WeightedInstance instance : INSTANCES) {
			Set<String> others = new HashSet<>();
			INSTANCES.forEach((other) -> others.add(other.id()));
			others.remove(instance.id());
			Decision decision = this.scheduler.chooseKeyless(others);
			for (int i = 0; i < 3; i++) {
				Lease lease = this.scheduler.start(decision);
				this.time.addAndGet(100_000_000L);
				lease.recordResponse(false);
				lease.release();
			}
		}
		this.admission.saturate(id);
		this.admission.queues.put(id, 50);
	}

	private long movesOfAnyCause() {
		long moves = 0;
		for (MoveCause cause : MoveCause.values()) {
			moves += this.scheduler.counters().moves(cause);
		}
		return moves;
	}

	/**
	 * A hand-made admission view: every instance has a free permit and no queue unless
	 * told otherwise.
	 */
	static final class FakeAdmission implements AdmissionView {

		final Map<String, Boolean> permits = new ConcurrentHashMap<>();

		final Map<String, Integer> queues = new ConcurrentHashMap<>();

		void saturate(String instanceId) {
			this.permits.put(instanceId, false);
			this.queues.put(instanceId, 3);
		}

		void clear() {
			this.permits.clear();
			this.queues.clear();
		}

		@Override
		public boolean hasFreePermit(String instanceId) {
			return this.permits.getOrDefault(instanceId, true);
		}

		@Override
		public int queueLength(String instanceId) {
			return this.queues.getOrDefault(instanceId, 0);
		}

	}

}
