package io.github.latencylb.core;

/**
 * Peak-sensitive exponentially weighted moving average of latency, as in Finagle's and
 * Linkerd's peak EWMA balancers: a sample above the current value replaces it at once
 * (the "peak"), a lower one is blended in with weight {@code 1 - exp(-dt / tau)}, and the
 * value decays towards zero while no sample arrives, so an instance that was slow is
 * probed again after a while.
 * <p>
 * Values are nanoseconds. Thread-safe (updates are synchronized on this object; they are
 * short).
 */
public final class PeakEwma {

	private final double tauNanos;

	private double cost;

	private long stamp;

	private boolean seen;

	/**
	 * Create an average with no sample yet.
	 * @param decayNanos time constant {@code tau} of the decay, in nanoseconds
	 * @param nowNanos the current time
	 */
	public PeakEwma(long decayNanos, long nowNanos) {
		if (decayNanos <= 0) {
			throw new IllegalArgumentException("decay must be positive");
		}
		this.tauNanos = decayNanos;
		this.stamp = nowNanos;
	}

	/**
	 * Record a latency sample.
	 * @param latencyNanos the observed latency
	 * @param nowNanos the current time
	 */
	public synchronized void observe(long latencyNanos, long nowNanos) {
		double decayed = decayed(nowNanos);
		if (!this.seen || latencyNanos > decayed) {
			this.cost = latencyNanos;
		}
		else {
			double w = Math.exp(-Math.max(0, nowNanos - this.stamp) / this.tauNanos);
			this.cost = this.cost * w + latencyNanos * (1 - w);
		}
		this.seen = true;
		if (nowNanos - this.stamp > 0) {
			// Compared by difference: nanoTime values may wrap around.
			this.stamp = nowNanos;
		}
	}

	/**
	 * Return the current value, decayed for the time since the last sample.
	 * @param nowNanos the current time
	 * @return the value in nanoseconds, or {@code -1} when no sample was ever recorded
	 */
	public synchronized double value(long nowNanos) {
		return this.seen ? decayed(nowNanos) : -1;
	}

	private double decayed(long nowNanos) {
		long idle = Math.max(0, nowNanos - this.stamp);
		return this.cost * Math.exp(-idle / this.tauNanos);
	}

}
