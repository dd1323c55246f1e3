package io.github.latencylb.core;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of passive ejection (as Envoy's outlier detection): {@code
 * consecutiveFailures} failures in a row eject an instance for {@code baseEjectionTime} x
 * the number of its ejections (at most {@code maxEjectionTime}); never more than
 * {@code maxEjectionPercent} of the instances at once; its flows move
 * ({@link MoveCause#UNAVAILABLE}); and when nothing is fit the scheduler still answers
 * (panic).
 */
class SchedulerEjectionTests {

	private static final long SEED = 29;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, 4, SEED);

	private final String failing = Fleet.id(2);

	@Test
	void consecutiveFailuresShouldEjectAndMoveFlows() {
		List<Long> flows = this.fleet.keysHomedOn(this.failing, 20);
		flows.forEach(this.fleet::flow);
		fail(this.failing, this.config.consecutiveFailures() - 1);
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		assertThat(this.fleet.stateOf(this.failing).consecutiveFailures()).isEqualTo(4);
		fail(this.failing, 1);
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
		for (long key : flows) {
			Decision decision = this.fleet.flow(key);
			assertThat(decision.moveCause()).isEqualTo(MoveCause.UNAVAILABLE);
			assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_UNAVAILABLE);
			assertThat(this.fleet.nextOnRing(key, this.config.candidates())).contains(decision.instanceId());
		}
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.UNAVAILABLE)).isEqualTo(flows.size());
		Decision newcomer = this.fleet.flow(this.fleet.keyHomedOn(this.failing));
		assertThat(newcomer.reason()).isEqualTo(DecisionReason.FALLBACK_UNAVAILABLE);
		for (int i = 0; i < 1000; i++) {
			assertThat(this.fleet.scheduler.chooseKeyless(Set.of()).instanceId()).isNotEqualTo(this.failing);
		}
	}

	@Test
	void aSuccessShouldResetTheFailureCount() {
		fail(this.failing, 4);
		succeed(this.failing);
		fail(this.failing, 4);
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		// A failure without any response (connect error, timeout) counts too.
		this.fleet.hold(this.failing).recordFailure();
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
	}

	@Test
	void overloadResponsesShouldNeverEjectNorResetTheFailureCount() {
		for (int i = 0; i < 50; i++) {
			this.fleet.hold(this.failing).recordOverload();
		}
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		assertThat(this.fleet.stateOf(this.failing).consecutiveFailures()).isZero();
		fail(this.failing, 4);
		this.fleet.hold(this.failing).recordOverload();
		assertThat(this.fleet.stateOf(this.failing).consecutiveFailures()).isEqualTo(4);
		fail(this.failing, 1);
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
	}

	@Test
	void ejectionShouldLastBaseTimeThenGrowOnRepeat() {
		Duration base = this.config.baseEjectionTime();
		fail(this.failing, 5);
		this.fleet.clock.advance(base.minusMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(Duration.ofMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		fail(this.failing, 5);
		this.fleet.clock.advance(base.multipliedBy(2).minusMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(Duration.ofMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		// Capped at maxEjectionTime (5 min = 10 x 30 s).
		for (int ejection = 3; ejection <= 12; ejection++) {
			fail(this.failing, 5);
			Duration expected = base.multipliedBy(ejection);
			if (expected.compareTo(this.config.maxEjectionTime()) > 0) {
				expected = this.config.maxEjectionTime();
			}
			this.fleet.clock.advance(expected.minusMillis(1));
			assertThat(this.fleet.stateOf(this.failing).state()).as("ejection %d", ejection)
				.isEqualTo(InstanceState.EJECTED);
			this.fleet.clock.advance(Duration.ofMillis(1));
			assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		}
	}

	@Test
	void movedFlowsShouldStayAwayAfterEjectionEnds() {
		long key = this.fleet.keyHomedOn(this.failing);
		this.fleet.flow(key);
		fail(this.failing, 5);
		String away = this.fleet.flow(key).instanceId();
		this.fleet.clock.advance(this.config.baseEjectionTime());
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		Decision decision = this.fleet.flow(key);
		assertThat(decision.instanceId()).isEqualTo(away);
		assertThat(decision.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(this.fleet.totalMoves()).isOne();
	}

	@Test
	void neverMoreThanMaxEjectionPercentShouldBeEjected() {
		for (String id : this.fleet.ids()) {
			fail(id, 10);
		}
		long ejected = this.fleet.scheduler.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.state() == InstanceState.EJECTED)
			.count();
		assertThat(ejected).isEqualTo(2);
		Fleet three = new Fleet(this.config, 3, SEED);
		three.ids().forEach((id) -> fail(three, id, 10));
		assertThat(three.scheduler.snapshot().instances()).filteredOn((i) -> i.state() == InstanceState.EJECTED)
			.hasSize(1);
		Fleet single = new Fleet(this.config, 1, SEED);
		fail(single, Fleet.id(1), 10);
		assertThat(single.stateOf(Fleet.id(1)).state()).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void ejectionShouldBeOffWhenConsecutiveFailuresIsZero() {
		Fleet lenient = new Fleet(this.config.with((b) -> b.consecutiveFailures = 0), 4, SEED);
		fail(lenient, this.failing, 50);
		assertThat(lenient.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void chooseWhenEveryInstanceIsEjectedShouldStillAnswer() {
		Fleet panicking = new Fleet(this.config.with((b) -> b.maxEjectionPercent = 100), 4, SEED);
		List<Long> keys = List.of(panicking.newKey(), panicking.newKey(), panicking.newKey());
		keys.forEach(panicking::flow);
		panicking.ids().forEach((id) -> fail(panicking, id, 5));
		assertThat(panicking.scheduler.snapshot().instances()).allMatch((i) -> i.state() == InstanceState.EJECTED);
		for (long key : keys) {
			String first = panicking.flow(key).instanceId();
			for (int i = 0; i < 20; i++) {
				Decision decision = panicking.flow(key);
				assertThat(decision.instanceId()).as("nowhere better to go: no flapping").isEqualTo(first);
				assertThat(decision.moveCause()).isNull();
			}
		}
		for (int i = 0; i < 100; i++) {
			assertThat(panicking.flow(panicking.newKey())).isNotNull();
			assertThat(panicking.scheduler.chooseKeyless(Set.of())).isNotNull();
		}
		assertThat(panicking.totalMoves()).isZero();
	}

	@Test
	void chooseWhenNoInstanceIsFitShouldStillAnswer() {
		// Draining, ejected, slow (stuck), excluded: in every combination, an answer.
		List<String> ids = this.fleet.ids();
		this.fleet.respondAll(Duration.ofMillis(10), 20, java.util.Map.of());
		this.fleet.scheduler.setDraining(ids.get(0), true);
		this.fleet.scheduler.setDraining(ids.get(1), true);
		fail(ids.get(2), 5);
		// Two requests on the last one hang past the stuck limit (10 x 20 ms).
		this.fleet.hold(ids.get(3));
		this.fleet.hold(ids.get(3));
		this.fleet.clock.advance(Duration.ofMillis(300));
		this.fleet.passRefresh();
		assertThat(this.fleet.stateOf(ids.get(3)).slow()).isTrue();
		assertThat(this.fleet.scheduler.snapshot().instances()).noneMatch((i) -> i.state() == InstanceState.ACTIVE
				&& !i.slow() && !i.id().equals(ids.get(0)) && !i.id().equals(ids.get(1)));
		Set<String> all = new HashSet<>(ids);
		for (int i = 0; i < 200; i++) {
			long key = this.fleet.newKey();
			assertThat(this.fleet.flow(key)).isNotNull();
			assertThat(this.fleet.scheduler.chooseForFlow(key, all)).isNotNull();
			assertThat(this.fleet.scheduler.chooseKeyless(Set.of())).isNotNull();
			assertThat(this.fleet.scheduler.chooseKeyless(all)).isNotNull();
		}
	}

	@Test
	void ejectionMultiplierShouldDecayAfterAHealthyPeriod() {
		Duration base = this.config.baseEjectionTime();
		for (int ejection = 1; ejection <= 3; ejection++) {
			fail(this.failing, 5);
			this.fleet.clock.advance(base.multipliedBy(ejection));
			assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		}
		// Healthy for two base intervals: the multiplier drops from 3 to 1, so the next
		// ejection lasts 2 x base, not 4 x.
		this.fleet.clock.advance(base.multipliedBy(2));
		fail(this.failing, 5);
		this.fleet.clock.advance(base.multipliedBy(2).minusMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(Duration.ofMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
		// Healthy for long: back to the base interval.
		this.fleet.clock.advance(base.multipliedBy(10));
		fail(this.failing, 5);
		this.fleet.clock.advance(base.minusMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(Duration.ofMillis(1));
		assertThat(this.fleet.stateOf(this.failing).state()).isEqualTo(InstanceState.ACTIVE);
	}

	private void fail(String id, int times) {
		fail(this.fleet, id, times);
	}

	private static void fail(Fleet fleet, String id, int times) {
		for (int i = 0; i < times; i++) {
			Lease lease = fleet.hold(id);
			lease.recordResponse(true);
			lease.release();
		}
	}

	private void succeed(String id) {
		Lease lease = this.fleet.hold(id);
		lease.recordResponse(false);
		lease.release();
	}

}
