package io.github.latencylb.core.admission;

import java.util.Comparator;
import java.util.NavigableSet;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * The waiters of one {@link ServiceQueue} in service order ({@link WaitRank}, then
 * arrival sequence), with the count of waiters of the capped class and a length readable
 * without the lock. Not thread-safe but for {@link #length()}: guarded by the queue's
 * lock.
 */
final class ServiceWaitList {

	private static final Comparator<ServiceWaiter> ORDER = Comparator.comparing(ServiceWaiter::rank)
		.thenComparingLong((waiter) -> waiter.sequence);

	private final TreeSet<ServiceWaiter> waiting = new TreeSet<>(ORDER);

	private int cappedWaiters;

	private volatile int length;

	void add(ServiceWaiter waiter, boolean privileged) {
		waiter.privileged = privileged;
		this.waiting.add(waiter);
		this.cappedWaiters += privileged ? 1 : 0;
		this.length = this.waiting.size();
	}

	void remove(ServiceWaiter waiter) {
		if (this.waiting.remove(waiter)) {
			this.cappedWaiters -= waiter.privileged ? 1 : 0;
			this.length = this.waiting.size();
		}
	}

	/**
	 * Return the waiters in service order; remove only through {@link #remove}.
	 * @return the waiters
	 */
	NavigableSet<ServiceWaiter> inOrder() {
		return this.waiting;
	}

	@Nullable ServiceWaiter last() {
		return this.waiting.isEmpty() ? null : this.waiting.last();
	}

	int size() {
		return this.waiting.size();
	}

	int cappedWaiters() {
		return this.cappedWaiters;
	}

	int length() {
		return this.length;
	}

}
