package io.github.latencylb.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of the settle period: instances that join within
 * {@code slowStartSettlePeriod} (10 s here) after the service's first non-empty list were
 * present at start-up and merely emitted late (a health-check supplier emits one instance
 * at a time), so they start warm; instances that join later go through slow start. Times
 * are literal nanoseconds.
 */
class SchedulerSettleTests {

	private static final long T0 = 1_000_000_000_000L;

	private final SchedulerConfig config = SchedulerConfig.custom().build();

	private final FakeClock clock = new FakeClock(T0);

	private final Scheduler scheduler = new Scheduler("demo", this.config, this.clock, new SplittableRandom(3));

	@Test
	void defaultSettlePeriodShouldBeTenSeconds() {
		assertThat(SchedulerConfig.ofDefaults().slowStartSettlePeriod()).isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void instancesEmittedLateAfterTheFirstListShouldStartWarm() {
		this.scheduler.updateInstances(instances(1));
		this.clock.advanceTo(T0 + 40_000_000L);
		this.scheduler.updateInstances(instances(1, 2));
		this.clock.advanceTo(T0 + 90_000_000L);
		this.scheduler.updateInstances(instances(1, 2, 3));
		for (SchedulerSnapshot.Instance instance : this.scheduler.snapshot().instances()) {
			assertThat(instance.state()).as(instance.id()).isEqualTo(InstanceState.ACTIVE);
			assertThat(instance.effectiveWeight()).as(instance.id()).isEqualTo(1.0);
		}
		// A new flow homed on a late instance lands there at once (no warming
		// fallback).
		long key = keyHomedOn(Fleet.id(3), instances(1, 2, 3));
		Decision decision = this.scheduler.chooseForFlow(key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(Fleet.id(3));
		assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
	}

	@Test
	void settlePeriodShouldEndExactlyAfterItsLength() {
		this.scheduler.updateInstances(instances(1));
		this.clock.advanceTo(T0 + 9_999_999_999L);
		this.scheduler.updateInstances(instances(1, 2));
		assertThat(stateOf(Fleet.id(2))).isEqualTo(InstanceState.ACTIVE);
		this.clock.advanceTo(T0 + 10_000_000_000L);
		this.scheduler.updateInstances(instances(1, 2, 3));
		assertThat(stateOf(Fleet.id(3))).isEqualTo(InstanceState.WARMING);
		assertThat(effectiveWeightOf(Fleet.id(3))).isEqualTo(this.config.slowStartMinWeight());
		// Slow start then ramps as usual: half its weight after 15 s of its 30 s.
		this.clock.advanceTo(T0 + 25_000_000_000L);
		assertThat(effectiveWeightOf(Fleet.id(3))).isEqualTo(0.5);
		this.clock.advanceTo(T0 + 40_000_000_000L);
		assertThat(stateOf(Fleet.id(3))).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void settlePeriodShouldStartWithTheFirstNonEmptyList() {
		this.scheduler.updateInstances(List.of());
		this.clock.advanceTo(T0 + 20_000_000_000L);
		this.scheduler.updateInstances(instances(1));
		this.clock.advanceTo(T0 + 25_000_000_000L);
		this.scheduler.updateInstances(instances(1, 2));
		assertThat(stateOf(Fleet.id(2))).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void instanceThatLeavesAndComesBackWithinTheSettlePeriodShouldStayWarm() {
		this.scheduler.updateInstances(instances(1, 2));
		this.clock.advanceTo(T0 + 1_000_000_000L);
		this.scheduler.updateInstances(instances(1));
		this.clock.advanceTo(T0 + 2_000_000_000L);
		this.scheduler.updateInstances(instances(1, 2));
		assertThat(stateOf(Fleet.id(2))).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void fleetThatEmptiesAndRefillsAfterTheSettlePeriodShouldWarmUp() {
		this.scheduler.updateInstances(instances(1, 2));
		this.clock.advanceTo(T0 + 30_000_000_000L);
		this.scheduler.updateInstances(List.of());
		this.clock.advanceTo(T0 + 31_000_000_000L);
		this.scheduler.updateInstances(instances(1, 2));
		assertThat(stateOf(Fleet.id(1))).isEqualTo(InstanceState.WARMING);
		assertThat(stateOf(Fleet.id(2))).isEqualTo(InstanceState.WARMING);
	}

	@Test
	void zeroSettlePeriodShouldPutEveryLaterInstanceIntoSlowStart() {
		Scheduler strict = new Scheduler("demo", this.config.with((b) -> b.slowStartSettlePeriod = Duration.ZERO),
				this.clock, new SplittableRandom(3));
		strict.updateInstances(instances(1));
		this.clock.advanceTo(T0 + 1L);
		strict.updateInstances(instances(1, 2));
		SchedulerSnapshot.Instance late = strict.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.id().equals(Fleet.id(2)))
			.findFirst()
			.orElseThrow();
		assertThat(late.state()).isEqualTo(InstanceState.WARMING);
	}

	private static List<WeightedInstance> instances(int... numbers) {
		return java.util.Arrays.stream(numbers).mapToObj((i) -> new WeightedInstance(Fleet.id(i), 1)).toList();
	}

	private long keyHomedOn(String id, List<WeightedInstance> instances) {
		ConsistentHashRing ring = ConsistentHashRing.build(instances, this.config.virtualNodes());
		SplittableRandom keys = new SplittableRandom(11);
		while (true) {
			long key = keys.nextLong();
			if (id.equals(ring.home(key))) {
				return key;
			}
		}
	}

	private InstanceState stateOf(String id) {
		return instance(id).state();
	}

	private double effectiveWeightOf(String id) {
		return instance(id).effectiveWeight();
	}

	private SchedulerSnapshot.Instance instance(String id) {
		return this.scheduler.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.id().equals(id))
			.findFirst()
			.orElseThrow();
	}

}
