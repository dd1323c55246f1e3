package io.github.latencylb.core;

/**
 * Token bucket bounding how many flows per second leave slow instances: it holds at most
 * {@code max(1, perSecond)} tokens and refills at {@code perSecond}. Thread-safe.
 */
final class TokenBucket {

	private final double perNano;

	private final double capacity;

	private double tokens;

	private long stamp;

	TokenBucket(double perSecond, long nowNanos) {
		this.perNano = perSecond / 1e9;
		this.capacity = Math.max(1, perSecond);
		this.tokens = this.capacity;
		this.stamp = nowNanos;
	}

	/**
	 * Take a token if one is there.
	 */
	synchronized boolean tryAcquire(long nowNanos) {
		this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, nowNanos - this.stamp) * this.perNano);
		this.stamp = nowNanos;
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return true;
		}
		return false;
	}

}
