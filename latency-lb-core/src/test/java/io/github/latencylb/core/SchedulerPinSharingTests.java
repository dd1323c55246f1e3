package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of the hooks that let gateway replicas share pins: a {@link PinListener}
 * sees every placement and every use of a flow pinned away from home, a remote pin is
 * recorded like a local one, and two schedulers in the same state move a flow to the same
 * instance (rendezvous among near-equal candidates) while different flows still spread.
 */
class SchedulerPinSharingTests {

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, 5, 7);

	private final List<String> events = new ArrayList<>();

	@Test
	void listenerShouldSeePlacementsMovesAndUsesOfPinnedFlows() {
		this.fleet.scheduler.setPinListener(new PinListener() {

			@Override
			public void placed(long keyHash, String instanceId, boolean home) {
				SchedulerPinSharingTests.this.events.add("placed " + keyHash + " " + instanceId + " " + home);
			}

			@Override
			public void used(long keyHash, String instanceId) {
				SchedulerPinSharingTests.this.events.add("used " + keyHash + " " + instanceId);
			}

		});
		long key = this.fleet.keyHomedOn(Fleet.id(2));
		this.fleet.flow(key);
		this.fleet.flow(key);
		assertThat(this.events).containsExactly("placed " + key + " " + Fleet.id(2) + " true");
		this.events.clear();
		Decision moved = this.fleet.scheduler.chooseForFlow(key, Set.of(Fleet.id(2)));
		assertThat(moved.moveCause()).isEqualTo(MoveCause.RETRY);
		this.fleet.flow(key);
		assertThat(this.events).containsExactly("placed " + key + " " + moved.instanceId() + " false",
				"used " + key + " " + moved.instanceId());
	}

	@Test
	void applyRemotePinShouldRecordTheFlowThereAndATombstoneShouldSendItHome() {
		long key = this.fleet.keyHomedOn(Fleet.id(1));
		String elsewhere = Fleet.id(4);
		assertThat(this.fleet.scheduler.applyRemotePin(key, elsewhere)).isTrue();
		Decision pinned = this.fleet.flow(key);
		assertThat(pinned.instanceId()).isEqualTo(elsewhere);
		assertThat(pinned.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(this.fleet.stateOf(elsewhere).pinnedFlows()).isEqualTo(1);
		assertThat(this.fleet.scheduler.applyRemotePin(key, null)).isTrue();
		Decision home = this.fleet.flow(key);
		assertThat(home.instanceId()).isEqualTo(Fleet.id(1));
		assertThat(home.reason()).isEqualTo(DecisionReason.HOME);
		assertThat(this.fleet.stateOf(elsewhere).pinnedFlows()).isZero();
		assertThat(this.fleet.totalMoves()).isZero();
	}

	@Test
	void applyRemotePinShouldRefuseAnUnknownInstanceAndIgnoreATombstoneOfAnUnknownFlow() {
		long key = this.fleet.keyHomedOn(Fleet.id(1));
		assertThat(this.fleet.scheduler.applyRemotePin(key, "10.9.9.9:8080")).isFalse();
		assertThat(this.fleet.scheduler.applyRemotePin(key, null)).isTrue();
		assertThat(this.fleet.scheduler.snapshot().flowTableSize()).isZero();
		Scheduler empty = new Scheduler("empty", this.config, new FakeClock(), new java.util.SplittableRandom(1));
		assertThat(empty.applyRemotePin(key, Fleet.id(1))).isFalse();
	}

	@Test
	void applyRemotePinShouldKeepABusyFlowFromGoingIdle() {
		long key = this.fleet.keyHomedOn(Fleet.id(1));
		this.fleet.scheduler.applyRemotePin(key, Fleet.id(3));
		for (int i = 0; i < 4; i++) {
			this.fleet.clock.advance(this.config.idleTimeout().dividedBy(2));
			this.fleet.scheduler.applyRemotePin(key, Fleet.id(3));
		}
		assertThat(this.fleet.flow(key).instanceId()).isEqualTo(Fleet.id(3));
	}

	@Test
	void twoReplicasShouldMoveAFlowOffAFailedHomeToTheSameInstanceAndSpreadDifferentFlows() {
		Fleet other = new Fleet(this.config, 5, 99);
		String failed = Fleet.id(3);
		Set<String> targets = new HashSet<>();
		for (int i = 0; i < 300; i++) {
			long key = this.fleet.keyHomedOn(failed);
			Decision here = this.fleet.scheduler.chooseForFlow(key, Set.of(failed));
			Decision there = other.scheduler.chooseForFlow(key, Set.of(failed));
			assertThat(there.instanceId()).as("flow %d", key).isEqualTo(here.instanceId());
			targets.add(here.instanceId());
		}
		assertThat(targets).hasSize(4);
	}

	@Test
	void twoReplicasShouldAgreeOnFallbacksFromASlowHome() {
		Fleet other = new Fleet(this.config, 5, 99);
		String slow = Fleet.id(2);
		for (Fleet f : List.of(this.fleet, other)) {
			f.respondAll(Fleet.ms(5), this.config.minSamples(), java.util.Map.of(slow, Fleet.ms(60)));
			f.passRefresh();
			assertThat(f.stateOf(slow).slow()).isTrue();
		}
		for (int i = 0; i < 100; i++) {
			long key = this.fleet.keyHomedOn(slow);
			assertThat(other.flow(key).instanceId()).isEqualTo(this.fleet.flow(key).instanceId());
		}
	}

}
