package io.github.latencylb.core;

/**
 * Token bucket bounding how many flows per second leave slow instances: it holds at most
 * {@code max(1, perSecond)} tokens and refills at {@code perSecond}, the rate given with
 * each call (so that a new configuration applies at once). Starts full. Thread-safe.
 */
final class TokenBucket {

	private double tokens = Double.MAX_VALUE;

	private long stamp;

	TokenBucket(long nowNanos) {
		this.stamp = nowNanos;
	}

	/**
	 * Take a token if one is there.
	 * @param nowNanos the current time
	 * @param perSecond the refill rate, in tokens per second
	 * @return whether a token was taken
	 */
	synchronized boolean tryAcquire(long nowNanos, double perSecond) {
		double capacity = Math.max(1, perSecond);
		this.tokens = Math.min(capacity, this.tokens + Math.max(0, nowNanos - this.stamp) * (perSecond / 1e9));
		this.stamp = nowNanos;
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return true;
		}
		return false;
	}

}
