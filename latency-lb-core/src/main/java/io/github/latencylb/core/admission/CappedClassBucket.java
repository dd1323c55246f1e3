package io.github.latencylb.core.admission;

/**
 * The cap of a {@link CappedClass}: at most {@code maxWaiters} of its requests waiting,
 * and a token bucket of {@code maxPerSecond} (burst: as many, at least one). Not
 * thread-safe: guarded by the queue's lock.
 */
final class CappedClassBucket {

	private final CappedClass capped;

	private double tokens;

	private long refilledNanos;

	CappedClassBucket(CappedClass capped, long nowNanos) {
		this.capped = capped;
		this.tokens = burst();
		this.refilledNanos = nowNanos;
	}

	CappedClass capped() {
		return this.capped;
	}

	/**
	 * Whether a request of the capped class may wait as one: below the waiter cap and a
	 * token left (taken).
	 * @param waiting the waiters of the queue
	 * @param nowNanos the current time
	 * @return whether the request may wait
	 */
	boolean tryTake(WaitList waiting, long nowNanos) {
		if (waiting.count(this.capped.priorityClass()) >= this.capped.maxWaiters()) {
			return false;
		}
		long elapsed = nowNanos - this.refilledNanos;
		if (elapsed > 0) {
			this.tokens = Math.min(burst(), this.tokens + elapsed * this.capped.maxPerSecond() / 1e9);
			this.refilledNanos = nowNanos;
		}
		if (this.tokens < 1) {
			return false;
		}
		this.tokens -= 1;
		return true;
	}

	private double burst() {
		return Math.max(1, this.capped.maxPerSecond());
	}

}
