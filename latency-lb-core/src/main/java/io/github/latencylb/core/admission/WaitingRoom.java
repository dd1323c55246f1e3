package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

import io.github.latencylb.core.NanoClock;
import org.jspecify.annotations.Nullable;

/**
 * The state a {@link PriorityAdmissionQueue} guards with one lock: its permit pool and
 * its waiters, the direct hand-off of permits to waiters, and the fast path that takes a
 * permit without a {@link Ticket}.
 */
abstract class WaitingRoom {

	final Object lock = new Object();

	final PermitPool pool;

	final int maxLength;

	final NanoClock clock;

	final WaitList waiting = new WaitList();

	/** Gives back a permit taken by {@link #tryAcquireNow}: shared, never allocated. */
	private final Runnable permitRelease = this::releasePermit;

	WaitingRoom(PermitPool pool, int maxLength, NanoClock clock) {
		if (maxLength < 0) {
			throw new IllegalArgumentException("maxLength must be >= 0, was " + maxLength);
		}
		this.pool = pool;
		this.maxLength = maxLength;
		this.clock = clock;
	}

	/**
	 * Take a permit at once, without a {@link Ticket}: only if one is free and nobody of
	 * equal or better priority waits (then {@link #acquire} would grant at once too).
	 * Give it back exactly once with {@link #permitRelease()}.
	 * @param priorityClass the priority class, lower is served first
	 * @param offset the order within the class, lower is served first
	 * @return whether a permit was taken
	 */
	public boolean tryAcquireNow(int priorityClass, int offset) {
		@Nullable List<Ticket> handedOff = null;
		boolean granted;
		synchronized (this.lock) {
			if (this.waiting.size() > 0) {
				handedOff = grantWhilePermitsFree(this.clock.nanoTime());
			}
			Ticket head = this.waiting.peekFirst();
			boolean first = head == null || priorityClass < head.priorityClass()
					|| (priorityClass == head.priorityClass() && offset < head.offset());
			granted = first && this.pool.tryAcquire();
		}
		signalGranted(handedOff);
		return granted;
	}

	/**
	 * Return what gives back a permit taken by {@link #tryAcquireNow}: handed directly to
	 * the head of the queue, else to the pool. One shared instance; the caller runs it
	 * exactly once per permit.
	 * @return the release
	 */
	public Runnable permitRelease() {
		return this.permitRelease;
	}

	private void releasePermit() {
		long now = this.clock.nanoTime();
		@Nullable Ticket next;
		synchronized (this.lock) {
			next = this.waiting.pollFirst();
			if (next != null) {
				next.moveTo(Ticket.State.GRANTED, now);
			}
			else {
				this.pool.release();
			}
		}
		if (next != null) {
			next.signalGranted();
		}
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

	/**
	 * Hand permits freed behind the queue's back (directly to the pool) to waiters.
	 * @param now the current time
	 * @return the granted tickets, to signal outside the lock; {@code null} if none
	 */
	@Nullable List<Ticket> grantWhilePermitsFree(long now) {
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

	static void signalGranted(@Nullable List<Ticket> granted) {
		if (granted != null) {
			granted.forEach(Ticket::signalGranted);
		}
	}

}
