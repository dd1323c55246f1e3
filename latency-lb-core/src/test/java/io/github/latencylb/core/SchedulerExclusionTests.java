package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of exclusions (instances a retry already tried): never chosen while
 * another instance exists, whatever state the fleet is in; a flow whose instance is
 * excluded moves with cause {@link MoveCause#RETRY} and stays where it went.
 */
class SchedulerExclusionTests {

	private static final long SEED = 37;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, 6, SEED);

	@Test
	void chooseShouldNeverReturnAnExcludedInstanceWhileAnotherExists() {
		SplittableRandom random = new SplittableRandom(SEED);
		List<String> ids = this.fleet.ids();
		List<Long> keys = new ArrayList<>();
		for (int round = 0; round < 6; round++) {
			// Vary the fleet's state: nothing, draining, ejected, slow, all at once.
			switch (round) {
				case 1 -> this.fleet.scheduler.setDraining(ids.get(0), true);
				case 2 -> eject(ids.get(1));
				case 3 -> {
					this.fleet.respondAll(Fleet.ms(10), 20, java.util.Map.of(ids.get(2), Fleet.ms(80)));
					this.fleet.passRefresh();
				}
				case 4 -> this.fleet.scheduler.setDraining(ids.get(3), true);
				default -> {
				}
			}
			for (int i = 0; i < 2000; i++) {
				Set<String> excluded = new HashSet<>();
				int size = random.nextInt(ids.size());
				while (excluded.size() < size) {
					excluded.add(ids.get(random.nextInt(ids.size())));
				}
				long key = (keys.isEmpty() || random.nextBoolean()) ? this.fleet.newKey()
						: keys.get(random.nextInt(keys.size()));
				keys.add(key);
				Decision flow = this.fleet.scheduler.chooseForFlow(key, excluded);
				assertThat(excluded).as("round %d", round).doesNotContain(flow.instanceId());
				Decision keyless = this.fleet.scheduler.chooseKeyless(excluded);
				assertThat(excluded).as("round %d", round).doesNotContain(keyless.instanceId());
			}
		}
	}

	@Test
	void chooseWhenEverythingIsExcludedShouldStillAnswer() {
		Set<String> all = new HashSet<>(this.fleet.ids());
		assertThat(this.fleet.scheduler.chooseForFlow(this.fleet.newKey(), all)).isNotNull();
		assertThat(this.fleet.scheduler.chooseKeyless(all)).isNotNull();
	}

	@Test
	void flowWhoseInstanceIsExcludedShouldMoveWithCauseRetryAndStayThere() {
		long key = this.fleet.newKey();
		String home = this.fleet.flow(key).instanceId();
		Decision retried = this.fleet.scheduler.chooseForFlow(key, Set.of(home));
		assertThat(retried.instanceId()).isNotEqualTo(home);
		assertThat(retried.moveCause()).isEqualTo(MoveCause.RETRY);
		assertThat(retried.reason()).isEqualTo(DecisionReason.FALLBACK_UNAVAILABLE);
		assertThat(this.fleet.nextOnRing(key, this.config.candidates())).contains(retried.instanceId());
		assertThat(this.fleet.scheduler.counters().moves(MoveCause.RETRY)).isOne();
		Decision next = this.fleet.flow(key);
		assertThat(next.instanceId()).isEqualTo(retried.instanceId());
		assertThat(next.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(this.fleet.totalMoves()).isOne();
	}

	@Test
	void excludingAnotherInstanceShouldNotMoveAFlow() {
		long key = this.fleet.newKey();
		String home = this.fleet.flow(key).instanceId();
		Set<String> others = new HashSet<>(this.fleet.ids());
		others.remove(home);
		Decision decision = this.fleet.scheduler.chooseForFlow(key, others);
		assertThat(decision.instanceId()).isEqualTo(home);
		assertThat(decision.moveCause()).isNull();
		assertThat(this.fleet.totalMoves()).isZero();
	}

	@Test
	void newFlowWhoseHomeIsExcludedShouldStartOnItsNextOnRing() {
		long key = this.fleet.newKey();
		String home = this.fleet.home(key);
		Decision decision = this.fleet.scheduler.chooseForFlow(key, Set.of(home));
		assertThat(decision.reason()).isEqualTo(DecisionReason.FALLBACK_UNAVAILABLE);
		assertThat(decision.moveCause()).isNull();
		assertThat(this.fleet.nextOnRing(key, this.config.candidates())).contains(decision.instanceId());
	}

	private void eject(String id) {
		for (int i = 0; i < this.config.consecutiveFailures(); i++) {
			this.fleet.hold(id).recordFailure();
		}
	}

}
