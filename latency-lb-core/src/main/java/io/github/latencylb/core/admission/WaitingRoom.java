package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

import io.github.latencylb.core.NanoClock;
import org.jspecify.annotations.Nullable;

/**
 * The state a {@link PriorityAdmissionQueue} guards with one lock: its permit pool and
 * its waiters, the direct hand-off of permits to waiters, and the fast path that takes a
 * permit without a {@link Ticket}. Once {@link #attach attached} to its service's
 * {@link ServiceQueue}, each permit that frees goes to the better-ranked of its own head
 * and the service queue's head (ties to its own), as a {@link ServiceQueue.Member}.
 */
abstract class WaitingRoom implements ServiceQueue.Member {

	final Object lock = new Object();

	final PermitPool pool;

	final int maxLength;

	final NanoClock clock;

	final WaitList waiting = new WaitList();

	/** Gives back a permit taken by {@link #tryAcquireNow}: shared, never allocated. */
	private final Runnable permitRelease = this::releasePermit;

	/** The service queue freed permits are offered to, {@code null} if none; lock. */
	private volatile @Nullable ServiceQueue service;

	private volatile String instanceId = "";

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
		if (nobodyWaits() && this.pool.tryAcquire()) {
			// Without the lock: taken on every request, and a lock per instance makes
			// event-loop threads wait on each other (on one core, for a whole time
			// slice when the holder is preempted). A waiter that queued meanwhile
			// arrived at the same time, and gets the next permit that frees.
			return true;
		}
		@Nullable List<Object> handedOff = null;
		boolean granted;
		synchronized (this.lock) {
			if (this.waiting.size() > 0 || serviceWaits()) {
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
		if (nobodyWaits()) {
			// Without the lock, as tryAcquireNow. A waiter that queues meanwhile may
			// have found the pool empty: it tries the pool again once it is visible
			// (PriorityAdmissionQueue.acquire, ServiceQueue.join), and this looks
			// again after the permit is back; one of the two sees the other.
			this.pool.release();
			if (!nobodyWaits()) {
				offerFreePermits();
			}
			return;
		}
		long now = this.clock.nanoTime();
		@Nullable Object next;
		synchronized (this.lock) {
			next = handOff(now);
		}
		signal(next);
	}

	/**
	 * Offer this instance's freed permits to the waiters of its service's queue too (the
	 * keyless requests that may use it). Permits free now go to them at the next
	 * {@link #offerFreePermits()}.
	 * @param service the service queue
	 * @param instanceId this instance's id, as the service queue's waiters name it
	 */
	public void attach(ServiceQueue service, String instanceId) {
		synchronized (this.lock) {
			this.instanceId = instanceId;
			this.service = service;
		}
	}

	/**
	 * Stop offering freed permits to the service queue (the instance left the service):
	 * they go to this queue's own waiters or the pool only.
	 */
	public void detach() {
		synchronized (this.lock) {
			this.service = null;
		}
	}

	@Override
	public String instanceId() {
		return this.instanceId;
	}

	@Override
	public @Nullable Runnable tryAcquire() {
		@Nullable List<Object> handedOff = null;
		boolean taken;
		synchronized (this.lock) {
			if (this.waiting.size() > 0 || serviceWaits()) {
				handedOff = grantWhilePermitsFree(this.clock.nanoTime());
			}
			taken = this.waiting.size() == 0 && this.pool.tryAcquire();
		}
		signalGranted(handedOff);
		return taken ? this.permitRelease : null;
	}

	@Override
	public void offerFreePermits() {
		@Nullable List<Object> handedOff;
		synchronized (this.lock) {
			handedOff = grantWhilePermitsFree(this.clock.nanoTime());
		}
		signalGranted(handedOff);
	}

	/**
	 * Return the number of waiters.
	 * @return the queue length
	 */
	public int queueLength() {
		// Without the lock: read on every scheduling decision, and a count taken
		// under the lock would be just as stale once returned.
		return this.waiting.publishedSize();
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
	 * Hand permits freed behind the queue's back (directly to the pool) to waiters, own
	 * or of the service queue. Caller holds the lock, signals the result after.
	 * @param now the current time
	 * @return the granted tickets and service waiters, to signal outside the lock;
	 * {@code null} if none
	 */
	@Nullable List<Object> grantWhilePermitsFree(long now) {
		@Nullable List<Object> granted = null;
		while ((this.waiting.size() > 0 || serviceWaits()) && this.pool.tryAcquire()) {
			@Nullable Object next = handOff(now);
			if (next == null) {
				break;
			}
			if (granted == null) {
				granted = new ArrayList<>(1);
			}
			granted.add(next);
		}
		return granted;
	}

	/**
	 * Give one permit that freed (returned, or taken from the pool) to the better-ranked
	 * of the service queue's head fit for this instance and the own head (ties to the
	 * own), else back to the pool. Caller holds the lock.
	 * @param now the current time
	 * @return the {@link Ticket} or {@link ServiceWaiter} to signal after the lock is
	 * released, or {@code null} if the permit went to the pool
	 */
	@Nullable Object handOff(long now) {
		@Nullable Ticket head = this.waiting.peekFirst();
		if (serviceWaits()) {
			ServiceWaiter waiter = this.service.claim(this, (head != null) ? head.rank() : null, this.permitRelease);
			if (waiter != null) {
				return waiter;
			}
		}
		if (head != null) {
			this.waiting.removeFirst();
			head.moveTo(Ticket.State.GRANTED, now);
			return head;
		}
		this.pool.release();
		return null;
	}

	/**
	 * Return whether no request waits for this instance's permits, in its own queue or
	 * the service queue; safe without the lock (both lengths are published).
	 * @return whether nobody waits
	 */
	private boolean nobodyWaits() {
		return this.waiting.publishedSize() == 0 && !serviceWaits();
	}

	/**
	 * Return whether keyless requests wait in the attached service queue; safe without
	 * the lock (the attachment and the length are both volatile).
	 * @return whether the service queue has waiters
	 */
	private boolean serviceWaits() {
		ServiceQueue service = this.service;
		return service != null && service.length() > 0;
	}

	static void signal(@Nullable Object granted) {
		if (granted instanceof Ticket ticket) {
			ticket.signalGranted();
		}
		else if (granted instanceof ServiceWaiter waiter) {
			waiter.signalGranted();
		}
	}

	static void signalGranted(@Nullable List<Object> granted) {
		if (granted != null) {
			granted.forEach(WaitingRoom::signal);
		}
	}

}
