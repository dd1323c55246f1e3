package io.github.latencylb.core.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain, non-blocking counting semaphore: for tests and for users without Resilience4j.
 * Unlike {@link java.util.concurrent.Semaphore} it refuses to grow: releasing more
 * permits than were acquired throws. Thread-safe, lock-free.
 */
public final class SemaphorePermitPool implements PermitPool {

	private final int maxPermits;

	private final AtomicInteger available;

	/**
	 * Create a pool with every permit free.
	 * @param permits the capacity, zero or more
	 */
	public SemaphorePermitPool(int permits) {
		if (permits < 0) {
			throw new IllegalArgumentException("permits must be >= 0, was " + permits);
		}
		this.maxPermits = permits;
		this.available = new AtomicInteger(permits);
	}

	@Override
	public boolean tryAcquire() {
		int free;
		do {
			free = this.available.get();
			if (free <= 0) {
				return false;
			}
		}
		while (!this.available.compareAndSet(free, free - 1));
		return true;
	}

	/**
	 * {@inheritDoc}
	 * @throws IllegalStateException if every permit is already free (over-release)
	 */
	@Override
	public void release() {
		int free;
		do {
			free = this.available.get();
			if (free >= this.maxPermits) {
				throw new IllegalStateException("Released more permits than were acquired");
			}
		}
		while (!this.available.compareAndSet(free, free + 1));
	}

	@Override
	public int availablePermits() {
		return this.available.get();
	}

	@Override
	public int maxPermits() {
		return this.maxPermits;
	}

	@Override
	public String toString() {
		return "SemaphorePermitPool[" + availablePermits() + "/" + this.maxPermits + " free]";
	}

}
