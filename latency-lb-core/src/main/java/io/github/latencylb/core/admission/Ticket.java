package io.github.latencylb.core.admission;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * One request's claim on a permit of a {@link PriorityAdmissionQueue}. A ticket is
 * {@link State#GRANTED granted} at once, {@link State#QUEUED queued} or
 * {@link State#REJECTED rejected}; it then ends in exactly one terminal state. A ticket
 * that was granted holds one permit, which is returned exactly once: by
 * {@link #release()}, by {@link #cancel()}, or when the consumer gives up on
 * {@link #granted()} (cancels it, or it times out via
 * {@link CompletableFuture#orTimeout}). Thread-safe: every method may race any other.
 */
public final class Ticket {

	final long sequence;

	final long deadlineNanos;

	private final PriorityAdmissionQueue queue;

	private final int priorityClass;

	private final int offset;

	private final long createdNanos;

	private final boolean demoted;

	private final CompletableFuture<Ticket> granted = new CompletableFuture<>();

	/** Written only under the queue's lock. */
	private volatile State state = State.QUEUED;

	/**
	 * Time spent queued, or -1 while still queued. Written only under the queue's lock.
	 */
	private volatile long waitedNanos = -1;

	Ticket(PriorityAdmissionQueue queue, int priorityClass, int offset, long deadlineNanos, long sequence,
			long createdNanos, boolean demoted) {
		this.demoted = demoted;
		this.queue = queue;
		this.priorityClass = priorityClass;
		this.offset = offset;
		this.deadlineNanos = deadlineNanos;
		this.sequence = sequence;
		this.createdNanos = createdNanos;
		this.granted.whenComplete((ticket, ex) -> {
			if (ex != null && !this.state.isTerminal()) {
				// The consumer completed the future itself: it will never use a grant.
				queue.abandon(this, (ex instanceof TimeoutException) ? State.EXPIRED : State.CANCELLED);
			}
		});
	}

	/**
	 * Return the current state (a snapshot; terminal states never change).
	 * @return the state
	 */
	public State state() {
		return this.state;
	}

	/**
	 * Return the future of the grant. It completes with this ticket when the permit is
	 * granted (already done when admitted at once), exceptionally with
	 * {@link AdmissionRejectedException} ({@code FULL} or {@code TIMEOUT}) when rejected
	 * or expired, and is cancelled by {@link #cancel()}: it never completes normally once
	 * {@code cancel()} has returned. Cancelling it, or completing it exceptionally
	 * ({@code orTimeout}), is the same as {@code cancel()} (resp. an expiry); never
	 * complete it normally. Completed outside the queue's lock.
	 * @return the future of the grant
	 */
	public CompletableFuture<Ticket> granted() {
		return this.granted;
	}

	/**
	 * Expire this waiter now, e.g. from a per-ticket timer: its future fails with
	 * {@code TIMEOUT} and its queue slot is freed. Does nothing unless still queued: a
	 * ticket granted meanwhile keeps its permit (use {@link #cancel()} to give it back).
	 * @return whether it was still queued
	 */
	public boolean expire() {
		return this.queue.expire(this);
	}

	/**
	 * The client gave up: a queued ticket leaves the queue; a granted ticket returns its
	 * permit (handed to the next waiter). The future is cancelled if not yet complete.
	 * Idempotent; does nothing once released, rejected or expired.
	 * @return whether this call cancelled the ticket
	 */
	public boolean cancel() {
		if (!this.queue.abandon(this, State.CANCELLED)) {
			return false;
		}
		this.granted.cancel(false);
		return true;
	}

	/**
	 * Return the permit: handed directly to the head of the queue, else to the pool.
	 * Exactly once: does nothing unless the ticket is {@link State#GRANTED}.
	 * @return whether this call returned the permit
	 */
	public boolean release() {
		return this.queue.release(this);
	}

	/**
	 * Return how long this ticket waited in the queue: until it was granted or left the
	 * queue, else until {@code nowNanos} (on the queue's clock).
	 * @param nowNanos the current time, used only while still queued
	 * @return the queue wait in nanoseconds, zero when admitted or rejected at once
	 */
	public long waitedNanos(long nowNanos) {
		long waited = this.waitedNanos;
		return (waited >= 0) ? waited : Math.max(0, nowNanos - this.createdNanos);
	}

	/**
	 * Return whether the request asked for the queue's {@link CappedClass capped class}
	 * over its cap and waits as a regular request instead.
	 * @return whether it was demoted
	 */
	public boolean demoted() {
		return this.demoted;
	}

	/**
	 * Return the priority class the ticket waits or ran in (lower is served first): the
	 * demoted class if {@link #demoted()}.
	 * @return the priority class
	 */
	public int priorityClass() {
		return this.priorityClass;
	}

	/**
	 * Return the offset within the class (lower is served first).
	 * @return the offset
	 */
	public int offset() {
		return this.offset;
	}

	/**
	 * Return the absolute deadline given to {@link PriorityAdmissionQueue#acquire}: the
	 * demoted one if {@link #demoted()}.
	 * @return the deadline on the caller's clock
	 */
	public long deadlineNanos() {
		return this.deadlineNanos;
	}

	/**
	 * Move to {@code next}; caller holds the queue's lock.
	 * @param next the new state
	 * @param nowNanos the current time
	 */
	void moveTo(State next, long nowNanos) {
		if (this.state == State.QUEUED) {
			this.waitedNanos = Math.max(0, nowNanos - this.createdNanos);
		}
		this.state = next;
	}

	void signalGranted() {
		this.granted.complete(this);
	}

	void signalRejected(AdmissionRejectedException.Cause cause) {
		this.granted.completeExceptionally(new AdmissionRejectedException(cause));
	}

	@Override
	public String toString() {
		return "Ticket[class=" + this.priorityClass + ", offset=" + this.offset + ", seq=" + this.sequence + ", "
				+ this.state + (this.demoted ? ", demoted" : "") + "]";
	}

	/**
	 * Life cycle of a ticket: {@code QUEUED -> GRANTED | EXPIRED | CANCELLED},
	 * {@code GRANTED -> RELEASED | CANCELLED | EXPIRED}; {@code REJECTED} from the start.
	 */
	public enum State {

		/** Holds a permit. */
		GRANTED,

		/** Waits in the queue. */
		QUEUED,

		/** Refused at once: no permit and no room in the queue. Terminal. */
		REJECTED,

		/** Gave up waiting at its deadline (or its future timed out). Terminal. */
		EXPIRED,

		/** Cancelled by the client, before or after the grant. Terminal. */
		CANCELLED,

		/** Returned its permit. Terminal. */
		RELEASED;

		/**
		 * Return whether this state is final.
		 * @return whether no further transition can happen
		 */
		public boolean isTerminal() {
			return this != GRANTED && this != QUEUED;
		}

	}

}
