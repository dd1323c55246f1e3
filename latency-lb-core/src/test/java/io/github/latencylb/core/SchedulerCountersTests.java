package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SchedulerCounters}: decisions by reason, moves by cause, deferred moves.
 */
class SchedulerCountersTests {

	private final SchedulerCounters counters = new SchedulerCounters();

	private final InstanceStats a = new InstanceStats("a", 1, 1_000L, true, SchedulerConfig.ofDefaults());

	@Test
	void decidedShouldCountTheReasonAndTheMoveIfAny() {
		Decision decision = this.counters.decided(this.a, DecisionReason.FALLBACK_SLOW, MoveCause.SLOW);
		this.counters.decided(this.a, DecisionReason.HOME, null);
		assertThat(decision.instanceId()).isEqualTo("a");
		assertThat(decision.moveCause()).isEqualTo(MoveCause.SLOW);
		assertThat(this.counters.decisions(DecisionReason.FALLBACK_SLOW)).isOne();
		assertThat(this.counters.decisions(DecisionReason.HOME)).isOne();
		assertThat(this.counters.moves(MoveCause.SLOW)).isOne();
		assertThat(this.counters.moveCounts().values().stream().mapToLong(Long::longValue).sum()).isOne();
		assertThat(this.counters.decisionCounts()).hasSize(DecisionReason.values().length);
	}

	@Test
	void deferredMovesShouldCount() {
		this.counters.deferredMove();
		this.counters.deferredMove();
		assertThat(this.counters.deferredMoves()).isEqualTo(2);
	}

}
