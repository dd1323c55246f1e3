package io.github.latencylb.autoconfigure.affinity;

import java.util.Collection;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded backlog of pin changes waiting to be written: a full backlog drops the change
 * and counts it, so that nothing on the request path waits for Redis. Thread-safe.
 */
final class PinBacklog {

	private final BlockingQueue<PinUpdate> queue;

	private final LongAdder dropped = new LongAdder();

	PinBacklog(int capacity) {
		this.queue = new ArrayBlockingQueue<>(capacity);
	}

	/**
	 * Add a change, or drop it when the backlog is full.
	 * @param update the change
	 */
	void offer(PinUpdate update) {
		if (!this.queue.offer(update)) {
			this.dropped.increment();
		}
	}

	/**
	 * Move waiting changes, oldest first, to a collection.
	 * @param target where they go
	 * @param max most changes moved
	 */
	void drainTo(Collection<PinUpdate> target, int max) {
		this.queue.drainTo(target, max);
	}

	int size() {
		return this.queue.size();
	}

	long dropped() {
		return this.dropped.sum();
	}

}
