package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of the bounded-load cap (Mirrokni, Thorup and Zadimoghaddam): it keeps
 * new flows off an instance whose in-flight count exceeds
 * {@code max(minSlots, ceil(balanceFactor x (total + 1) x w / W))}, and it never moves a
 * flow that is already placed.
 */
class SchedulerBoundedLoadTests {

	private static final long SEED = 11;

	@Test
	void chooseWhenHomeIsOverCapShouldPlaceNewFlowElsewhereAndExactlyAtTheCap() {
		SchedulerConfig config = SchedulerConfig.custom().build();
		Fleet fleet = new Fleet(config.with((b) -> b.minSlots = 1), 4, SEED);
		String hot = Fleet.id(1);
		// 10 requests in flight on each of the three others.
		for (String id : fleet.ids()) {
			if (!id.equals(hot)) {
				for (int i = 0; i < 10; i++) {
					fleet.hold(id);
				}
			}
		}
		int firstOver = -1;
		for (int k = 0; k <= 20; k++) {
			int total = fleet.scheduler.totalInflight();
			long cap = Math.max(1, (long) Math.ceil(1.25 * (total + 1) * 1 / 4));
			long key = fleet.keyHomedOn(hot);
			Decision decision = fleet.flow(key);
			if (k + 1 <= cap) {
				assertThat(decision.instanceId()).as("k=%d cap=%d", k, cap).isEqualTo(hot);
				assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
			}
			else {
				if (firstOver < 0) {
					firstOver = k;
				}
				assertThat(decision.instanceId()).as("k=%d cap=%d", k, cap).isNotEqualTo(hot);
				assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_OVERLOADED);
				assertThat(fleet.nextOnRing(key, config.candidates())).contains(decision.instanceId());
				assertThat(decision.moveCause()).isNull();
			}
			fleet.hold(hot);
		}
		// ceil(1.25 x (30 + 15 + 1) / 4) = 15: the 16th concurrent request is over.
		assertThat(firstOver).isEqualTo(15);
	}

	@Test
	void capShouldScaleWithWeight() {
		List<WeightedInstance> instances = new ArrayList<>(Fleet.instances(3));
		instances.set(0, new WeightedInstance(Fleet.id(1), 2));
		Fleet fleet = new Fleet(SchedulerConfig.custom().build().with((b) -> b.minSlots = 1), instances, SEED);
		String heavy = Fleet.id(1);
		for (int i = 0; i < 10; i++) {
			fleet.hold(Fleet.id(2));
			fleet.hold(Fleet.id(3));
		}
		int accepted = 0;
		while (fleet.flow(fleet.keyHomedOn(heavy)).instanceId().equals(heavy)) {
			fleet.hold(heavy);
			accepted++;
		}
		int expected = 0;
		while (expected + 1 <= Math.ceil(1.25 * (20 + expected + 1) * 2 / 4)) {
			expected++;
		}
		// 35, where an instance of weight 1 in its place would take 15.
		assertThat(expected).isEqualTo(35);
		assertThat(accepted).isEqualTo(expected);
	}

	@Test
	void capShouldNeverMoveAFlowAlreadyPlaced() {
		Fleet fleet = new Fleet(SchedulerConfig.custom().build().with((b) -> b.minSlots = 2), 4, SEED);
		String hot = Fleet.id(2);
		List<Long> placed = fleet.keysHomedOn(hot, 5);
		for (long key : placed) {
			assertThat(fleet.flow(key).reason()).isEqualTo(DecisionReason.NEW_FLOW);
		}
		// Load the hot instance far over its cap through its own flows.
		List<Lease> held = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			Decision decision = fleet.flow(placed.get(i % placed.size()));
			assertThat(decision.instanceId()).isEqualTo(hot);
			assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
			held.add(fleet.scheduler.start(decision));
		}
		Decision newcomer = fleet.flow(fleet.keyHomedOn(hot));
		assertThat(newcomer.reason()).isEqualTo(DecisionReason.FALLBACK_OVERLOADED);
		assertThat(newcomer.instanceId()).isNotEqualTo(hot);
		for (long key : placed) {
			Decision decision = fleet.flow(key);
			assertThat(decision.instanceId()).isEqualTo(hot);
			assertThat(decision.reason()).isEqualTo(DecisionReason.HOME);
			assertThat(decision.moveCause()).isNull();
		}
		assertThat(fleet.totalMoves()).isZero();
		held.forEach(Lease::release);
		assertThat(fleet.scheduler.totalInflight()).isZero();
	}

	@Test
	void flowPlacedAwayForLoadShouldStayPinnedWhenHomeCoolsDown() {
		Fleet fleet = new Fleet(SchedulerConfig.custom().build().with((b) -> b.minSlots = 1), 4, SEED);
		String hot = Fleet.id(3);
		List<Lease> held = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			held.add(fleet.hold(hot));
		}
		long key = fleet.keyHomedOn(hot);
		Decision first = fleet.flow(key);
		assertThat(first.reason()).isEqualTo(DecisionReason.FALLBACK_OVERLOADED);
		held.forEach(Lease::release);
		Decision later = fleet.flow(key);
		assertThat(later.instanceId()).isEqualTo(first.instanceId());
		assertThat(later.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(fleet.totalMoves()).isZero();
	}

	@Test
	void lowConcurrencyBelowMinSlotsShouldNeverTriggerTheCap() {
		SchedulerConfig config = SchedulerConfig.ofDefaults();
		Fleet fleet = new Fleet(config, 4, SEED);
		String hot = Fleet.id(4);
		// Everything in flight is on one instance: the proportional cap alone would be
		// ceil(1.25 x 8 / 4) = 3, but the floor of minSlots (8) holds.
		for (int i = 0; i < config.minSlots() - 1; i++) {
			fleet.hold(hot);
		}
		assertThat(fleet.flow(fleet.keyHomedOn(hot)).reason()).isEqualTo(DecisionReason.NEW_FLOW);
		fleet.hold(hot);
		assertThat(fleet.flow(fleet.keyHomedOn(hot)).reason()).isEqualTo(DecisionReason.FALLBACK_OVERLOADED);
	}

}
