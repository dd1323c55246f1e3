package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bounds retries to a share of requests, as Finagle's and Linkerd's retry budgets do:
 * over a sliding window (ten one-second buckets), retries may not exceed
 * {@code ratio x requests +
 * minPerSecond x window seconds}. This keeps a failing instance from multiplying load (no
 * retry storms) while low traffic can still retry. Thread-safe and lock-free: taking a
 * retry is atomic, so concurrent callers never exceed the budget; the bucket bookkeeping
 * may lose a count under a race at a bucket boundary, which only makes the budget
 * slightly stricter.
 */
public final class RetryBudget {

	private static final int BUCKETS = 10;

	private static final long BUCKET_NANOS = 1_000_000_000L;

	private final double ratio;

	private final double minPerSecond;

	private final NanoClock clock;

	private final AtomicLongArray requests = new AtomicLongArray(BUCKETS);

	private final AtomicLongArray retries = new AtomicLongArray(BUCKETS);

	private final AtomicLongArray epochs = new AtomicLongArray(BUCKETS);

	/**
	 * Create a budget.
	 * @param ratio retries allowed per request, in {@code [0, 1]}
	 * @param minPerSecond retries per second always allowed
	 * @param clock the time source
	 */
	public RetryBudget(double ratio, double minPerSecond, NanoClock clock) {
		if (ratio < 0 || ratio > 1 || minPerSecond < 0) {
			throw new IllegalArgumentException("ratio must be in [0, 1] and minPerSecond >= 0");
		}
		this.ratio = ratio;
		this.minPerSecond = minPerSecond;
		this.clock = clock;
	}

	/**
	 * Count a request (a first attempt).
	 */
	public void onRequest() {
		this.requests.incrementAndGet(bucket(this.clock.nanoTime()));
	}

	/**
	 * Take a retry from the budget if there is one left.
	 * @return whether the retry may go ahead
	 */
	public boolean tryAcquire() {
		long now = this.clock.nanoTime();
		int index = bucket(now);
		while (true) {
			// Check and take in one step: the count of the current bucket is read before
			// the check and must be unchanged when we take, else someone took meanwhile
			// and we check again. Concurrent callers can never overshoot the budget.
			long taken = this.retries.get(index);
			if (remaining(now) < 1) {
				return false;
			}
			if (this.retries.compareAndSet(index, taken, taken + 1)) {
				return true;
			}
		}
	}

	/**
	 * Return how many retries the budget allows right now.
	 * @return retries left, never negative
	 */
	public long remaining() {
		return remaining(this.clock.nanoTime());
	}

	private long remaining(long now) {
		long epoch = Math.floorDiv(now, BUCKET_NANOS);
		long totalRequests = 0;
		long totalRetries = 0;
		for (int i = 0; i < BUCKETS; i++) {
			if (epoch - this.epochs.get(i) < BUCKETS) {
				totalRequests += this.requests.get(i);
				totalRetries += this.retries.get(i);
			}
		}
		double allowed = this.ratio * totalRequests + this.minPerSecond * BUCKETS;
		return Math.max(0, (long) Math.floor(allowed) - totalRetries);
	}

	private int bucket(long now) {
		long epoch = Math.floorDiv(now, BUCKET_NANOS);
		int index = (int) Math.floorMod(epoch, BUCKETS);
		long seen = this.epochs.get(index);
		if (seen != epoch && this.epochs.compareAndSet(index, seen, epoch)) {
			this.requests.set(index, 0);
			this.retries.set(index, 0);
		}
		return index;
	}

}
