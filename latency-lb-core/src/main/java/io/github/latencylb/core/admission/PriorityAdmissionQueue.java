package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;

import io.github.latencylb.core.NanoClock;
import org.jspecify.annotations.Nullable;

/**
 * Admission control of one backend instance: at most {@link PermitPool#maxPermits()}
 * requests run at once, up to {@code maxLength} more wait, served by priority class
 * (lower first), then offset (lower first), then arrival. A returned permit goes straight
 * to the head of the queue (direct hand-off) and reaches the pool only when nobody waits,
 * so no waiter is ever stranded while a permit is free. (A permit returned to the pool by
 * someone else goes to the waiters at the next {@link #acquire} or
 * {@link #expireOverdue}.) Every permit taken from the pool or handed off is returned
 * exactly once, whatever the races between grant, release, cancel and expiry.
 * <p>
 * Attached to its service's {@link ServiceQueue} ({@link #attach}), it is the first level
 * of two-level queueing: each permit that frees goes to the better-ranked of its own head
 * and the service queue's head fit for it.
 * <p>
 * An optional {@link CappedClass} (health checks) is bounded: past its cap its requests
 * wait as regular ones, and only it may take the slot of the last waiter of a full queue.
 * <p>
 * Thread-safe: queue and pool change together under one lock; futures are completed after
 * it is released, so their callbacks never run under it.
 */
public final class PriorityAdmissionQueue extends WaitingRoom {

	/**
	 * Deadline of a request that may wait for ever. Deadlines compare as signed values,
	 * so only {@code expireOverdue(Long.MAX_VALUE)} would expire it.
	 */
	public static final long NO_DEADLINE = Long.MAX_VALUE;

	private final @Nullable CappedClassBucket capped;

	private long sequence;

	/**
	 * Create a queue timing waits with {@link System#nanoTime()}.
	 * @param pool the instance's permits
	 * @param maxLength the most waiters; {@code 0} rejects at once when no permit is free
	 */
	public PriorityAdmissionQueue(PermitPool pool, int maxLength) {
		this(pool, maxLength, NanoClock.SYSTEM);
	}

	/**
	 * Create a queue.
	 * @param pool the instance's permits
	 * @param maxLength the most waiters; {@code 0} rejects at once when no permit is free
	 * @param clock the clock of {@link Ticket#waitedNanos(long)}
	 */
	public PriorityAdmissionQueue(PermitPool pool, int maxLength, NanoClock clock) {
		this(pool, maxLength, null, clock);
	}

	/**
	 * Create a queue where one class may jump the queue within a cap.
	 * @param pool the instance's permits
	 * @param maxLength the most waiters; {@code 0} rejects at once when no permit is free
	 * @param capped the bounded class allowed to evict, or {@code null} for none (then no
	 * request ever evicts another)
	 * @param clock the clock of {@link Ticket#waitedNanos(long)} and of the capped
	 * class's rate
	 */
	public PriorityAdmissionQueue(PermitPool pool, int maxLength, @Nullable CappedClass capped, NanoClock clock) {
		super(pool, maxLength, clock);
		this.capped = (capped != null) ? new CappedClassBucket(capped, clock.nanoTime()) : null;
	}

	/**
	 * Ask for a permit, with the same deadline whether or not the request is demoted.
	 * @param priorityClass the priority class, lower is served first (HAProxy uses
	 * -2047..2047)
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when {@link #expireOverdue(long)} expires the waiter, an
	 * absolute time on the caller's clock, or {@link #NO_DEADLINE}
	 * @return the ticket
	 * @see #acquire(int, int, long, long)
	 */
	public Ticket acquire(int priorityClass, int offset, long deadlineNanos) {
		return acquire(priorityClass, offset, deadlineNanos, deadlineNanos);
	}

	/**
	 * Ask for a permit. Granted at once if one is free and nobody of equal or better
	 * priority waits. Otherwise a request of the {@link CappedClass capped class} over
	 * its cap is demoted: it waits in the demoted class, offset 0, until
	 * {@code demotedDeadlineNanos} ({@link Ticket#demoted()}). Then it is queued if there
	 * is room; else, when the queue is full, a request of the capped class (not demoted)
	 * takes the place of the last waiter if that one ranks below the capped class (that
	 * waiter is rejected {@code FULL}); else rejected ({@code FULL}, holding neither
	 * permit nor slot). Never blocks: the outcome is in {@link Ticket#granted()}.
	 * @param priorityClass the priority class, lower is served first (HAProxy uses
	 * -2047..2047)
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when {@link #expireOverdue(long)} expires the waiter, an
	 * absolute time on the caller's clock, or {@link #NO_DEADLINE}
	 * @param demotedDeadlineNanos the deadline instead if the request is demoted
	 * @return the ticket
	 */
	public Ticket acquire(int priorityClass, int offset, long deadlineNanos, long demotedDeadlineNanos) {
		long now = this.clock.nanoTime();
		Ticket ticket;
		@Nullable List<Object> handedOff;
		Ticket.State outcome;
		@Nullable Ticket evicted = null;
		synchronized (this.lock) {
			handedOff = grantWhilePermitsFree(now);
			ticket = new Ticket(this, priorityClass, offset, deadlineNanos, this.sequence++, now, false);
			Ticket head = this.waiting.peekFirst();
			boolean first = head == null || WaitList.SERVICE_ORDER.compare(ticket, head) < 0;
			if (first && this.pool.tryAcquire()) {
				ticket.moveTo(Ticket.State.GRANTED, now);
			}
			else {
				CappedClassBucket capped = this.capped;
				boolean privileged = capped != null && priorityClass == capped.capped().priorityClass();
				if (privileged && !capped.tryTake(this.waiting, now)) {
					// Over the cap: waits as a regular request instead.
					ticket = new Ticket(this, capped.capped().demotedClass(), 0, demotedDeadlineNanos, this.sequence++,
							now, true);
					privileged = false;
				}
				@Nullable Ticket last = this.waiting.peekLast();
				if (this.waiting.size() < this.maxLength) {
					this.waiting.add(ticket);
				}
				else if (privileged && last != null && last.priorityClass() > ticket.priorityClass()) {
					// Full, but a health check (the capped class) ranks above the last
					// waiter: that one gives up its slot, so that a health check is never
					// refused because regular traffic filled the queue.
					evicted = last;
					this.waiting.remove(evicted);
					evicted.moveTo(Ticket.State.REJECTED, now);
					this.waiting.add(ticket);
				}
				else {
					ticket.moveTo(Ticket.State.REJECTED, now);
				}
			}
			outcome = ticket.state();
			if (outcome == Ticket.State.QUEUED) {
				// Now visible to a release that runs without the lock: a permit it gave
				// back to the pool before it could see this waiter is handed out here
				// (to this ticket, if it is the head: then signalled with the others).
				@Nullable List<Object> late = grantWhilePermitsFree(now);
				if (late != null) {
					if (handedOff == null) {
						handedOff = late;
					}
					else {
						handedOff.addAll(late);
					}
				}
			}
		}
		if (evicted != null) {
			evicted.signalRejected(AdmissionRejectedException.Cause.FULL);
		}
		signalGranted(handedOff);
		if (outcome == Ticket.State.GRANTED) {
			ticket.signalGranted();
		}
		else if (outcome == Ticket.State.REJECTED) {
			ticket.signalRejected(AdmissionRejectedException.Cause.FULL);
		}
		return ticket;
	}

	/**
	 * Return the bounded class, if any.
	 * @return the capped class, or {@code null}
	 */
	public @Nullable CappedClass cappedClass() {
		return (this.capped != null) ? this.capped.capped() : null;
	}

	/**
	 * Expire every waiter whose deadline is {@code <= nowNanos}: its future fails with
	 * {@code TIMEOUT} and its slot is freed.
	 * @param nowNanos the current time on the callers' clock
	 * @return how many waiters expired
	 */
	public int expireOverdue(long nowNanos) {
		long now = this.clock.nanoTime();
		List<Ticket> expired = new ArrayList<>();
		@Nullable List<Object> granted;
		synchronized (this.lock) {
			@Nullable Ticket overdue;
			while ((overdue = this.waiting.pollOverdue(nowNanos)) != null) {
				overdue.moveTo(Ticket.State.EXPIRED, now);
				expired.add(overdue);
			}
			granted = grantWhilePermitsFree(now);
		}
		expired.forEach((ticket) -> ticket.signalRejected(AdmissionRejectedException.Cause.TIMEOUT));
		signalGranted(granted);
		return expired.size();
	}

	boolean release(Ticket ticket) {
		return abandon(ticket, Ticket.State.RELEASED);
	}

	/**
	 * Queued: leave the queue; granted: return the permit.
	 * @param ticket the ticket
	 * @param outcome the final state of the ticket
	 * @return whether the ticket was queued or granted
	 */
	boolean abandon(Ticket ticket, Ticket.State outcome) {
		long now = this.clock.nanoTime();
		@Nullable Object next = null;
		synchronized (this.lock) {
			Ticket.State state = ticket.state();
			if (state == Ticket.State.GRANTED) {
				ticket.moveTo(outcome, now);
				next = handOff(now);
			}
			else if (state == Ticket.State.QUEUED && outcome != Ticket.State.RELEASED) {
				this.waiting.remove(ticket);
				ticket.moveTo(outcome, now);
			}
			else {
				return false;
			}
		}
		signal(next);
		return true;
	}

	boolean expire(Ticket ticket) {
		long now = this.clock.nanoTime();
		synchronized (this.lock) {
			if (ticket.state() != Ticket.State.QUEUED) {
				return false;
			}
			this.waiting.remove(ticket);
			ticket.moveTo(Ticket.State.EXPIRED, now);
		}
		ticket.signalRejected(AdmissionRejectedException.Cause.TIMEOUT);
		return true;
	}

}
