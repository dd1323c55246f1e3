package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of instance-set changes: adding an instance moves no existing flow (it
 * gets new flows only); removing one moves only its flows, with cause
 * {@link MoveCause#UNAVAILABLE}; a weight change moves nothing.
 */
class SchedulerTopologyTests {

	private static final long SEED = 5;

	private static final int FLOWS = 3000;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, 8, SEED);

	private final Map<Long, String> placed = new HashMap<>();

	private final List<Lease> inflight = new ArrayList<>();

	private void placeFlows() {
		for (int i = 0; i < FLOWS; i++) {
			long key = this.fleet.newKey();
			// Two requests: a flow placed at home is recorded from its second on.
			Decision decision = this.fleet.flow(key);
			assertThat(this.fleet.flow(key).instanceId()).isEqualTo(decision.instanceId());
			this.placed.put(key, decision.instanceId());
			if (i % 15 == 0) {
				this.inflight.add(this.fleet.scheduler.start(decision));
			}
		}
	}

	@Test
	void addInstanceShouldMoveNoExistingFlow() {
		placeFlows();
		this.fleet.update(Fleet.instances(9));
		String added = Fleet.id(9);
		int nowHomedOnAdded = 0;
		for (Map.Entry<Long, String> flow : this.placed.entrySet()) {
			if (this.fleet.home(flow.getKey()).equals(added)) {
				nowHomedOnAdded++;
			}
			Decision decision = this.fleet.flow(flow.getKey());
			assertThat(decision.instanceId()).isEqualTo(flow.getValue());
			assertThat(decision.moveCause()).isNull();
			assertThat(decision.reason()).isIn(DecisionReason.HOME, DecisionReason.PINNED);
		}
		// About 1/9 of the flows have the new instance as ring home now, and stayed.
		assertThat(nowHomedOnAdded).isGreaterThan(FLOWS / 12);
		assertThat(this.fleet.totalMoves()).isZero();
		this.inflight.forEach(Lease::release);
		assertThat(this.fleet.scheduler.totalInflight()).isZero();
	}

	@Test
	void addInstanceShouldGetNewFlowsAfterSlowStart() {
		placeFlows();
		this.fleet.update(Fleet.instances(9));
		String added = Fleet.id(9);
		this.fleet.clock.advance(this.config.slowStartDuration());
		int onAdded = 0;
		int newFlows = 9000;
		for (int i = 0; i < newFlows; i++) {
			long key = this.fleet.newKey();
			Decision decision = this.fleet.flow(key);
			if (this.fleet.home(key).equals(added)) {
				assertThat(decision.instanceId()).isEqualTo(added);
				assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
				onAdded++;
			}
		}
		assertThat((double) onAdded / newFlows).isBetween(0.8 / 9, 1.2 / 9);
		assertThat(this.fleet.stateOf(added).state()).isEqualTo(InstanceState.ACTIVE);
		assertThat(this.fleet.totalMoves()).isZero();
	}

	@Test
	void removeInstanceShouldMoveOnlyItsFlowsToTheirNextOnRing() {
		placeFlows();
		String removed = Fleet.id(3);
		Map<Long, String> successor = new HashMap<>();
		this.placed.keySet()
			.stream()
			.filter((key) -> this.fleet.home(key).equals(removed))
			.forEach((key) -> successor.put(key, this.fleet.nextOnRing(key, 1).get(0)));
		List<WeightedInstance> rest = new ArrayList<>(Fleet.instances(8));
		rest.removeIf((instance) -> instance.id().equals(removed));
		this.fleet.update(rest);
		int moved = 0;
		for (Map.Entry<Long, String> flow : this.placed.entrySet()) {
			Decision decision = this.fleet.flow(flow.getKey());
			if (flow.getValue().equals(removed)) {
				moved++;
				assertThat(decision.moveCause()).isEqualTo(MoveCause.UNAVAILABLE);
				// To its home on the new ring: for a flow homed on the removed instance,
				// the next instance on the old ring.
				assertThat(decision.instanceId()).isEqualTo(this.fleet.home(flow.getKey()))
					.isEqualTo(successor.getOrDefault(flow.getKey(), decision.instanceId()));
				Decision next = this.fleet.flow(flow.getKey());
				assertThat(next.instanceId()).isEqualTo(decision.instanceId());
				assertThat(next.moveCause()).isNull();
			}
			else {
				assertThat(decision.instanceId()).isEqualTo(flow.getValue());
				assertThat(decision.moveCause()).isNull();
			}
		}
		assertThat(moved).isGreaterThan(FLOWS / 12);
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.UNAVAILABLE)).isEqualTo(moved);
		assertThat(this.fleet.totalMoves()).isEqualTo(moved);
		// Requests still in flight on the departed instance release cleanly.
		this.inflight.forEach(Lease::release);
		assertThat(this.fleet.scheduler.totalInflight()).isZero();
	}

	@Test
	void readdInstanceShouldNotPullItsFormerFlowsBack() {
		placeFlows();
		String bounced = Fleet.id(6);
		List<WeightedInstance> rest = new ArrayList<>(Fleet.instances(8));
		rest.removeIf((instance) -> instance.id().equals(bounced));
		this.fleet.update(rest);
		Map<Long, String> after = new HashMap<>();
		this.placed.keySet().forEach((key) -> after.put(key, this.fleet.flow(key).instanceId()));
		long moves = this.fleet.totalMoves();
		this.fleet.settle();
		this.fleet.update(Fleet.instances(8));
		assertThat(this.fleet.stateOf(bounced).state()).isEqualTo(InstanceState.WARMING);
		this.fleet.clock.advance(this.config.slowStartDuration());
		after.forEach((key, instance) -> assertThat(this.fleet.flow(key).instanceId()).isEqualTo(instance));
		assertThat(this.fleet.totalMoves()).isEqualTo(moves);
	}

	@Test
	void weightChangeShouldMoveNoFlow() {
		placeFlows();
		List<WeightedInstance> reweighted = new ArrayList<>(Fleet.instances(8));
		reweighted.set(1, new WeightedInstance(Fleet.id(2), 3));
		reweighted.set(4, new WeightedInstance(Fleet.id(5), 2));
		this.fleet.update(reweighted);
		this.placed.forEach((key, instance) -> {
			Decision decision = this.fleet.flow(key);
			assertThat(decision.instanceId()).isEqualTo(instance);
			assertThat(decision.moveCause()).isNull();
		});
		this.fleet.update(Fleet.instances(8));
		this.placed.forEach((key, instance) -> assertThat(this.fleet.flow(key).instanceId()).isEqualTo(instance));
		assertThat(this.fleet.totalMoves()).isZero();
		SchedulerSnapshot snapshot = this.fleet.scheduler.snapshot();
		assertThat(snapshot.instances().stream().mapToInt((i) -> i.homeFlows() + i.pinnedFlows()).sum())
			.isEqualTo(FLOWS);
		this.inflight.forEach(Lease::release);
		assertThat(this.fleet.scheduler.totalInflight()).isZero();
	}

	@Test
	void updateWithTheSameSetShouldChangeNothing() {
		placeFlows();
		List<WeightedInstance> shuffled = new ArrayList<>(Fleet.instances(8));
		java.util.Collections.reverse(shuffled);
		assertThat(this.fleet.scheduler.updateInstances(shuffled)).isFalse();
		this.placed.forEach((key, instance) -> assertThat(this.fleet.flow(key).instanceId()).isEqualTo(instance));
	}

	@Test
	void ringShouldBeBuiltOutsideTheSchedulerLockAndSwappedIn() throws Exception {
		Scheduler scheduler = this.fleet.scheduler;
		java.util.concurrent.CountDownLatch building = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.atomic.AtomicBoolean lockHeld = new java.util.concurrent.atomic.AtomicBoolean(true);
		scheduler.ringBuilder = (instances, virtualNodes) -> {
			lockHeld.set(Thread.holdsLock(scheduler));
			building.countDown();
			try {
				release.await(10, java.util.concurrent.TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return ConsistentHashRing.build(instances, virtualNodes);
		};
		Thread update = new Thread(() -> scheduler.updateInstances(Fleet.instances(9)));
		update.start();
		assertThat(building.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		// While the ring is being built, what needs the lock (an ejection) goes ahead,
		// and decisions use the old instance set.
		String failing = Fleet.id(1);
		for (int i = 0; i < this.config.consecutiveFailures(); i++) {
			Lease lease = this.fleet.hold(failing);
			lease.recordFailure();
			lease.release();
		}
		assertThat(this.fleet.stateOf(failing).state()).isEqualTo(InstanceState.EJECTED);
		assertThat(scheduler.snapshot().instances()).hasSize(8);
		release.countDown();
		update.join(10_000);
		assertThat(lockHeld).isFalse();
		assertThat(scheduler.snapshot().instances()).hasSize(9);
		assertThat(this.fleet.stateOf(failing).state()).isEqualTo(InstanceState.EJECTED);
	}

	@Test
	void decisionsShouldCarryTheTagOfTheLatestListOfTheirInstance() {
		Scheduler scheduler = new Scheduler("tags", this.config, new FakeClock(), new java.util.SplittableRandom(1));
		Object a1 = new Object();
		Object b1 = new Object();
		scheduler.updateInstances(List.of(new WeightedInstance("a", 1, a1), new WeightedInstance("b", 1, b1)));
		Map<String, Object> tags = new HashMap<>();
		for (int i = 0; i < 100; i++) {
			Decision keyless = scheduler.chooseKeyless(java.util.Set.of());
			Decision keyed = scheduler.chooseForFlow(i, java.util.Set.of());
			tags.put(keyless.instanceId(), keyless.instanceTag());
			tags.put(keyed.instanceId(), keyed.instanceTag());
		}
		assertThat(tags).containsOnly(Map.entry("a", a1), Map.entry("b", b1));
		// The same instances as other objects (e.g. after a discovery refresh): the set
		// does not change, the tags follow the new list.
		Object a2 = new Object();
		Object b2 = new Object();
		assertThat(
				scheduler.updateInstances(List.of(new WeightedInstance("a", 1, a2), new WeightedInstance("b", 1, b2))))
			.isFalse();
		tags.putAll(keylessTags(scheduler, 100));
		assertThat(tags).containsOnly(Map.entry("a", a2), Map.entry("b", b2));
		// A changed set: the instance kept and the one added carry their new tags.
		Object a3 = new Object();
		Object c3 = new Object();
		assertThat(
				scheduler.updateInstances(List.of(new WeightedInstance("a", 1, a3), new WeightedInstance("c", 1, c3))))
			.isTrue();
		assertThat(keylessTags(scheduler, 200)).containsOnly(Map.entry("a", a3), Map.entry("c", c3));
		// Without a tag, none.
		scheduler.updateInstances(List.of(new WeightedInstance("a", 1)));
		assertThat(scheduler.chooseKeyless(java.util.Set.of()).instanceTag()).isNull();
	}

	private static Map<String, Object> keylessTags(Scheduler scheduler, int decisions) {
		Map<String, Object> tags = new HashMap<>();
		for (int i = 0; i < decisions; i++) {
			Decision keyless = scheduler.chooseKeyless(java.util.Set.of());
			tags.put(keyless.instanceId(), keyless.instanceTag());
		}
		return tags;
	}

	@Test
	void emptyInstanceSetShouldGiveNoDecision() {
		Scheduler empty = new Scheduler("none", this.config, new FakeClock(), new java.util.SplittableRandom(1));
		assertThat(empty.chooseForFlow(1L, java.util.Set.of())).isNull();
		assertThat(empty.chooseKeyless(java.util.Set.of())).isNull();
		placeFlows();
		this.fleet.update(List.of());
		assertThat(this.fleet.flow(this.placed.keySet().iterator().next())).isNull();
		assertThat(this.fleet.scheduler.chooseKeyless(java.util.Set.of())).isNull();
	}

}
