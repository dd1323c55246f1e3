package io.github.latencylb.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The start times of an instance's requests still outstanding (sent, no response yet),
 * for the age of the oldest and the stuck test: a fixed table of {@value #SLOTS} slots,
 * one claimed by compare-and-set when a request starts and freed when it responds or is
 * released, so that the request path takes no lock and allocates nothing (a sorted set
 * cost a skip-list insert and removal per request). The queries scan the table; they run
 * on refreshes and on slow-looking responses, not per request. Beyond {@value #SLOTS}
 * requests outstanding at once on one instance the newest go untracked: the oldest
 * tracked ones are evidence enough. Thread-safe.
 */
final class OutstandingRequests {

	/** Requests tracked at once per instance. */
	static final int SLOTS = 128;

	/** No request in the slot. */
	static final int UNTRACKED = -1;

	private static final long FREE = Long.MIN_VALUE;

	private final AtomicLongArray starts = new AtomicLongArray(SLOTS);

	OutstandingRequests() {
		for (int i = 0; i < SLOTS; i++) {
			this.starts.set(i, FREE);
		}
	}

	/**
	 * Track a request that started now.
	 * @param startNanos when it started
	 * @return its slot, to {@link #free} later, or {@link #UNTRACKED} when all are taken
	 */
	int track(long startNanos) {
		long start = (startNanos != FREE) ? startNanos : startNanos + 1;
		int first = ThreadLocalRandom.current().nextInt(SLOTS);
		for (int i = 0; i < SLOTS; i++) {
			int slot = (first + i) & (SLOTS - 1);
			if (this.starts.get(slot) == FREE && this.starts.compareAndSet(slot, FREE, start)) {
				return slot;
			}
		}
		return UNTRACKED;
	}

	/**
	 * Stop tracking a request (once, by the request that holds the slot).
	 * @param slot its slot, or {@link #UNTRACKED}
	 */
	void free(int slot) {
		if (slot != UNTRACKED) {
			this.starts.set(slot, FREE);
		}
	}

	/**
	 * Return whether no request is tracked.
	 * @return whether none is outstanding
	 */
	boolean isEmpty() {
		for (int i = 0; i < SLOTS; i++) {
			if (this.starts.get(i) != FREE) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the number of requests tracked.
	 * @return the count
	 */
	int size() {
		int size = 0;
		for (int i = 0; i < SLOTS; i++) {
			if (this.starts.get(i) != FREE) {
				size++;
			}
		}
		return size;
	}

	/**
	 * Return the age of the oldest request outstanding.
	 * @param nowNanos the time
	 * @return nanoseconds, {@code 0} when none
	 */
	long oldestAge(long nowNanos) {
		long oldest = 0;
		for (int i = 0; i < SLOTS; i++) {
			long start = this.starts.get(i);
			if (start != FREE) {
				oldest = Math.max(oldest, nowNanos - start);
			}
		}
		return oldest;
	}

	/**
	 * Return the age of the second oldest request among those that started at or after
	 * {@code sinceNanos}.
	 * @param nowNanos the time
	 * @param sinceNanos the earliest start that counts
	 * @return nanoseconds, {@code 0} when fewer than two
	 */
	long secondOldestAgeSince(long nowNanos, long sinceNanos) {
		long oldest = -1;
		long second = -1;
		for (int i = 0; i < SLOTS; i++) {
			long start = this.starts.get(i);
			if (start != FREE && start - sinceNanos >= 0) {
				long age = nowNanos - start;
				if (age > oldest) {
					second = oldest;
					oldest = age;
				}
				else if (age > second) {
					second = age;
				}
			}
		}
		return Math.max(0, second);
	}

}
