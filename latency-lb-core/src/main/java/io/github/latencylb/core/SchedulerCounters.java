package io.github.latencylb.core;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * Counters of one scheduler: decisions by reason, moves by cause, and moves deferred by
 * the move budget. Thread-safe; read-only outside the scheduler (see
 * {@link Scheduler#counters()}).
 */
public final class SchedulerCounters {

	private static final int KEYLESS = DecisionReason.KEYLESS.ordinal();

	/** By {@link DecisionReason#ordinal()}: an array read, no key check, per decision. */
	private final LongAdder[] decisions = new LongAdder[DecisionReason.values().length];

	private final LongAdder[] moves = new LongAdder[MoveCause.values().length];

	private final LongAdder deferredMoves = new LongAdder();

	SchedulerCounters() {
		Arrays.setAll(this.decisions, (i) -> new LongAdder());
		Arrays.setAll(this.moves, (i) -> new LongAdder());
	}

	/**
	 * Count a keyless decision.
	 * @param instance the chosen instance
	 * @return its (shared, immutable) keyless decision
	 */
	Decision decidedKeyless(InstanceStats instance) {
		this.decisions[KEYLESS].increment();
		return instance.keyless;
	}

	/**
	 * Count a decision (and its move, if any) and return it.
	 * @param instance the chosen instance
	 * @param reason why it was chosen
	 * @param cause why the flow moved, {@code null} if it did not
	 * @return the decision
	 */
	Decision decided(InstanceStats instance, DecisionReason reason, @Nullable MoveCause cause) {
		this.decisions[reason.ordinal()].increment();
		if (cause != null) {
			this.moves[cause.ordinal()].increment();
		}
		return new Decision(instance, reason, cause);
	}

	/**
	 * Count a decision for a request of a flow (its flow is counted in flight where it
	 * starts) and return it.
	 * @param instance the chosen instance
	 * @param reason the reason
	 * @param cause the move's cause, or {@code null}
	 * @param flowHash the flow's hash
	 * @return the decision
	 */
	Decision decided(InstanceStats instance, DecisionReason reason, @Nullable MoveCause cause, long flowHash) {
		this.decisions[reason.ordinal()].increment();
		if (cause != null) {
			this.moves[cause.ordinal()].increment();
		}
		return new Decision(instance, reason, cause, true, flowHash);
	}

	void deferredMove() {
		this.deferredMoves.increment();
	}

	/**
	 * Return how many times a reason was given so far.
	 * @param reason the reason
	 * @return the count
	 */
	public long decisions(DecisionReason reason) {
		return this.decisions[reason.ordinal()].sum();
	}

	/**
	 * Return how many flows moved for a cause so far.
	 * @param cause the cause
	 * @return the count
	 */
	public long moves(MoveCause cause) {
		return this.moves[cause.ordinal()].sum();
	}

	/**
	 * Return how many moves the move budget deferred so far.
	 * @return the count
	 */
	public long deferredMoves() {
		return this.deferredMoves.sum();
	}

	Map<DecisionReason, Long> decisionCounts() {
		Map<DecisionReason, Long> counts = new EnumMap<>(DecisionReason.class);
		for (DecisionReason reason : DecisionReason.values()) {
			counts.put(reason, decisions(reason));
		}
		return counts;
	}

	Map<MoveCause, Long> moveCounts() {
		Map<MoveCause, Long> counts = new EnumMap<>(MoveCause.class);
		for (MoveCause cause : MoveCause.values()) {
			counts.put(cause, moves(cause));
		}
		return counts;
	}

}
