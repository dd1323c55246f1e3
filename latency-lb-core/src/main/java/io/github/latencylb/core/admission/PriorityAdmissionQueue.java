package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

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
 * Thread-safe: queue and pool change together under one lock; futures are completed after
 * it is released, so their callbacks never run under it.
 */
public final class PriorityAdmissionQueue {

	/**
	 * Deadline of a request that may wait for ever. Deadlines compare as signed values,
	 * so only {@code expireOverdue(Long.MAX_VALUE)} would expire it.
	 */
	public static final long NO_DEADLINE = Long.MAX_VALUE;

	private final Object lock = new Object();

	private final PermitPool pool;

	private final int maxLength;

	private final NanoClock clock;

	private final WaitList waiting = new WaitList();

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
		if (maxLength < 0) {
			throw new IllegalArgumentException("maxLength must be >= 0, was " + maxLength);
		}
		this.pool = pool;
		this.maxLength = maxLength;
		this.clock = clock;
	}

	/**
	 * Ask for a permit. Granted at once if one is free and nobody of equal or better
	 * priority waits; else queued if there is room; else, when the queue is full, queued
	 * in place of the last waiter if it ranks strictly above it (that waiter is rejected
	 * {@code FULL}); else rejected ({@code FULL}, holding neither permit nor slot). Never
	 * blocks: the outcome is in {@link Ticket#granted()}.
	 * @param priorityClass the priority class, lower is served first (HAProxy uses
	 * -2047..2047)
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when {@link #expireOverdue(long)} expires the waiter, an
	 * absolute time on the caller's clock, or {@link #NO_DEADLINE}
	 * @return the ticket
	 */
	public Ticket acquire(int priorityClass, int offset, long deadlineNanos) {
		long now = this.clock.nanoTime();
		Ticket ticket;
		@Nullable List<Ticket> handedOff;
		Ticket.State outcome;
		@Nullable Ticket evicted = null;
		synchronized (this.lock) {
			ticket = new Ticket(this, priorityClass, offset, deadlineNanos, this.sequence++, now);
			handedOff = grantWhilePermitsFree(now);
			Ticket head = this.waiting.peekFirst();
			boolean first = head == null || WaitList.SERVICE_ORDER.compare(ticket, head) < 0;
			if (first && this.pool.tryAcquire()) {
				ticket.moveTo(Ticket.State.GRANTED, now);
			}
			else if (this.waiting.size() < this.maxLength) {
				this.waiting.add(ticket);
			}
			else if (this.maxLength > 0 && WaitList.SERVICE_ORDER.compare(ticket, this.waiting.peekLast()) < 0) {
				// Full, but the newcomer ranks above the last waiter: the last one gives
				// up its
				// slot, so that a health check is never refused because regular traffic
				// filled
				// the queue.
				evicted = this.waiting.peekLast();
				this.waiting.remove(evicted);
				evicted.moveTo(Ticket.State.REJECTED, now);
				this.waiting.add(ticket);
			}
			else {
				ticket.moveTo(Ticket.State.REJECTED, now);
			}
			outcome = ticket.state();
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
	 * Expire every waiter whose deadline is {@code <= nowNanos}: its future fails with
	 * {@code TIMEOUT} and its slot is freed.
	 * @param nowNanos the current time on the callers' clock
	 * @return how many waiters expired
	 */
	public int expireOverdue(long nowNanos) {
		long now = this.clock.nanoTime();
		List<Ticket> expired = new ArrayList<>();
		@Nullable List<Ticket> granted;
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

	/**
	 * Return the number of waiters.
	 * @return the queue length
	 */
	public int queueLength() {
		synchronized (this.lock) {
			return this.waiting.size();
		}
	}

	/**
	 * Return the number of waiters per priority class (classes with none are absent).
	 * @return an immutable snapshot, by ascending class
	 */
	public SortedMap<Integer, Integer> queueLengthByClass() {
		synchronized (this.lock) {
			return this.waiting.countsByClass();
		}
	}

	/**
	 * Return the most waiters.
	 * @return the maximum queue length
	 */
	public int maxLength() {
		return this.maxLength;
	}

	/**
	 * Return the permit pool.
	 * @return the pool
	 */
	public PermitPool pool() {
		return this.pool;
	}

	boolean release(Ticket ticket) {
		return abandon(ticket, Ticket.State.RELEASED);
	}

	/** Queued: leave the queue; granted: return the permit. */
	boolean abandon(Ticket ticket, Ticket.State outcome) {
		long now = this.clock.nanoTime();
		@Nullable Ticket next = null;
		synchronized (this.lock) {
			Ticket.State state = ticket.state();
			if (state == Ticket.State.GRANTED) {
				ticket.moveTo(outcome, now);
				next = this.waiting.pollFirst();
				if (next != null) {
					next.moveTo(Ticket.State.GRANTED, now);
				}
				else {
					this.pool.release();
				}
			}
			else if (state == Ticket.State.QUEUED && outcome != Ticket.State.RELEASED) {
				this.waiting.remove(ticket);
				ticket.moveTo(outcome, now);
			}
			else {
				return false;
			}
		}
		if (next != null) {
			next.signalGranted();
		}
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

	/** Hand permits freed behind the queue's back (directly to the pool) to waiters. */
	private @Nullable List<Ticket> grantWhilePermitsFree(long now) {
		@Nullable List<Ticket> granted = null;
		while (this.waiting.size() > 0 && this.pool.tryAcquire()) {
			Ticket head = this.waiting.removeFirst();
			head.moveTo(Ticket.State.GRANTED, now);
			if (granted == null) {
				granted = new ArrayList<>(1);
			}
			granted.add(head);
		}
		return granted;
	}

	private static void signalGranted(@Nullable List<Ticket> granted) {
		if (granted != null) {
			granted.forEach(Ticket::signalGranted);
		}
	}

}
