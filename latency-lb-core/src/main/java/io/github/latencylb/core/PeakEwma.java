package io.github.latencylb.core;

/**
 * Peak-sensitive exponentially weighted moving average of latency, as in Finagle's and
 * Linkerd's peak EWMA balancers: a sample above the current value replaces it at once
 * (the "peak"), a lower one is blended in with weight {@code 1 - exp(-dt / tau)}, and the
 * value decays towards zero while no sample arrives, so an instance that was slow is
 * probed again after a while.
 * <p>
 * Values are nanoseconds. Thread-safe: updates are synchronized on this object (they are
 * short) and publish an immutable state, which reads take without a lock (two reads per
 * keyless decision).
 */
public final class PeakEwma {

	private final double tauNanos;

	/** Value and time of the last update; replaced as a whole by each update. */
	private volatile State state;

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
		this.state = new State(0, nowNanos, false);
	}

	/**
	 * Record a latency sample.
	 * @param latencyNanos the observed latency
	 * @param nowNanos the current time
	 */
	public synchronized void observe(long latencyNanos, long nowNanos) {
		State state = this.state;
		// The decay since the last sample both ages the old value and weighs the blend.
		double w = Math.exp(-decayExponent(state, nowNanos));
		double cost;
		if (!state.seen || latencyNanos > state.cost * w) {
			cost = latencyNanos;
		}
		else {
			cost = state.cost * w + latencyNanos * (1 - w);
		}
		// Compared by difference: nanoTime values may wrap around.
		this.state = new State(cost, (nowNanos - state.stamp > 0) ? nowNanos : state.stamp, true);
	}

	/**
	 * Return the current value, decayed for the time since the last sample.
	 * @param nowNanos the current time
	 * @return the value in nanoseconds, or {@code -1} when no sample was ever recorded
	 */
	public double value(long nowNanos) {
		State state = this.state;
		return state.seen ? decayed(state, nowNanos) : -1;
	}

	private double decayed(State state, long nowNanos) {
		return state.cost * Math.exp(-decayExponent(state, nowNanos));
	}

	/**
	 * The current value as {@code base x exp(-exponent)}: two values compare with one
	 * {@code exp} of the difference of their exponents (see
	 * {@link PeakEwmaCost#keylessNoWorse}).
	 * @return the state of the last update
	 */
	State state() {
		return this.state;
	}

	/**
	 * The time constant of the decay.
	 * @return {@code tau}, in nanoseconds
	 */
	double tauNanos() {
		return this.tauNanos;
	}

	/**
	 * The exponent of the decay since a state's sample.
	 * @param state the state
	 * @param nowNanos the current time
	 * @return {@code idle / tau}, at least 0
	 */
	double decayExponent(State state, long nowNanos) {
		return Math.max(0, nowNanos - state.stamp) / this.tauNanos;
	}

	/**
	 * The average as of its last update.
	 *
	 * @param cost the value, in nanoseconds
	 * @param stamp the time of the last sample
	 * @param seen whether a sample was recorded
	 */
	record State(double cost, long stamp, boolean seen) {
	}

}
