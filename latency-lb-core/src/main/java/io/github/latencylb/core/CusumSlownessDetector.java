package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sequential slowness test of one instance against its fleet: a one-sided CUSUM (Page's
 * test) on {@code x = ln(latency / fleetMedian)}, clamped to
 * {@code [minLogRatio, maxLogRatio]}. Each response updates
 * {@code S = min(2h, max(0, S + x - k))} with the drift {@code k = ln(referenceRatio)};
 * the instance is slow once {@code S >= h} and healthy again once
 * {@code S <= clearThreshold} (hysteresis, so a verdict does not flap). Capping {@code S}
 * at {@code 2h} bounds recovery: samples at or below the fleet median lower {@code S} by
 * at least {@code k} each, so at most {@code ceil((2h - clearThreshold) / k)} of them
 * clear a slow instance (7 with the defaults).
 * <p>
 * A request still outstanding counts too, as a censored sample at its current age: its
 * latency will be at least that age. Once the oldest outstanding request of an instance
 * is older than {@code outstandingFactor x fleetMedian}, the increment it will at least
 * contribute, {@code x(age) - k}, is added to {@code S} for the verdict (not stored: it
 * is replaced by the next report and dropped at the next response; the request's response
 * later enters {@code S} once, as a normal sample). With the defaults an outstanding
 * request alone never trips the test (its term is at most {@code 3 - ln 3 = 1.9 < h}):
 * under exponential service a healthy instance's oldest request passes 7.5 medians (150
 * ms at a 20 ms median) about once in 200 requests, so age alone cannot flag within 150
 * ms without false alarms; it shortens detection once a few slow responses have raised
 * {@code S} (three 10x responses plus a 150 ms old request trip it).
 * <p>
 * <b>Run lengths with {@code h = 4}</b> ({@code k = ln 3}, {@code h = 4}, clear at 2,
 * {@code x} clamped to {@code [-2, 3]}), for exponential service times (the log of an
 * exponential sample over its median has mean {@code -0.21} and standard deviation 1.28,
 * so the healthy drift is {@code -1.31} per sample). The in-control run length follows
 * Siegmund's approximation {@code ARL0 ~ exp(theta h)} where {@code theta} solves
 * {@code E[exp(theta (x - k))] = 1}, that is {@code Gamma(1 + theta) = (3 ln 2)^theta}:
 * {@code theta ~ 3.7}, so {@code ARL0} is about {@code e^14.7}, millions of samples (no
 * alarm was seen in 2 million simulated samples). Out of control the statistic climbs by
 * {@code E[x] - k} per sample: 0.9 for a 10x slower instance (mean detection delay 5.0
 * responses, p99 13, exponential service; 4 responses for a steady 10x), 0.3 for 5x (mean
 * 10, p99 33), and a 3x slower instance takes about 38 responses. A smaller threshold
 * detects faster but alarms more: {@code h = 3, k = ln 2.5} detects 10x in 3.3 responses
 * but alarms once in about 16,000 healthy samples. The defaults
 * ({@link CusumConfig#ofDefaults()}) take {@code h = 5} (clear at 2.5): fed by the
 * scheduler, with the fleet median estimated from windows, {@code h = 4} raised 4 false
 * alarms in the 1.4 million samples of its steady-fleet simulations (8 instances,
 * exponential service) and {@code h = 5} none; a steady 10x slower instance is then slow
 * at its 5th response.
 * <p>
 * Plain Java and thread-safe: the per-instance {@link State} is two longs updated with
 * compare-and-set, so concurrent responses never lose an update.
 */
public final class CusumSlownessDetector {

	/** Fixed-point scale of the statistic (micro-units of log ratio). */
	private static final double SCALE = 1e6;

	/** Bit of the packed state that latches the slow verdict. */
	private static final long SLOW_BIT = 1L << 62;

	private final CusumConfig config;

	private final long drift;

	private final long threshold;

	private final long clearThreshold;

	private final long cap;

	/**
	 * Create a detector.
	 * @param config the knobs
	 */
	public CusumSlownessDetector(CusumConfig config) {
		this.config = config;
		this.drift = fixed(config.drift());
		this.threshold = fixed(config.threshold());
		this.clearThreshold = fixed(config.clearThreshold());
		this.cap = 2 * this.threshold;
	}

	/**
	 * Return the knobs.
	 * @return the configuration
	 */
	public CusumConfig config() {
		return this.config;
	}

	/**
	 * Create the state of one instance (healthy, no evidence).
	 * @return a new state, to keep with the instance
	 */
	public State newState() {
		return new State();
	}

	/**
	 * Record a completed response.
	 * @param instance the instance's state
	 * @param latencyNanos the response's latency
	 * @param fleetMedianNanos the fleet's median latency; {@code <= 0} when unknown (the
	 * sample is then ignored)
	 * @return whether the instance is slow after this sample
	 */
	public boolean onResponse(State instance, long latencyNanos, long fleetMedianNanos) {
		if (fleetMedianNanos <= 0 || latencyNanos < 0) {
			return isSlow(instance);
		}
		long step = logRatio(latencyNanos, fleetMedianNanos) - this.drift;
		long packed;
		long next;
		do {
			packed = instance.packed.get();
			long s = Math.min(this.cap, Math.max(0, (packed & ~SLOW_BIT) + step));
			boolean slow = ((packed & SLOW_BIT) != 0) ? s > this.clearThreshold : s >= this.threshold;
			next = slow ? (s | SLOW_BIT) : s;
		}
		while (!instance.packed.compareAndSet(packed, next));
		// The oldest outstanding request may be this one: its evidence is now in S.
		instance.outstanding = 0;
		return isSlow(instance);
	}

	/**
	 * Report the age of the instance's oldest request still outstanding (replaces the
	 * previous report).
	 * @param instance the instance's state
	 * @param oldestAgeNanos age of its oldest outstanding request, {@code 0} when none
	 * @param fleetMedianNanos the fleet's median latency; {@code <= 0} when unknown
	 * @return whether the instance is slow after this report
	 */
	public boolean onOutstanding(State instance, long oldestAgeNanos, long fleetMedianNanos) {
		long term = 0;
		if (fleetMedianNanos > 0 && oldestAgeNanos >= this.config.outstandingFactor() * fleetMedianNanos) {
			term = Math.max(0, logRatio(oldestAgeNanos, fleetMedianNanos) - this.drift);
		}
		instance.outstanding = term;
		return isSlow(instance);
	}

	/**
	 * Return whether the instance is slow: its latched verdict, or its statistic plus the
	 * evidence of its oldest outstanding request reaching the threshold.
	 * @param instance the instance's state
	 * @return whether slow
	 */
	public boolean isSlow(State instance) {
		long packed = instance.packed.get();
		return (packed & SLOW_BIT) != 0 || (packed & ~SLOW_BIT) + instance.outstanding >= this.threshold;
	}

	/**
	 * Return the statistic {@code S} (without outstanding evidence), for metrics and
	 * tests.
	 * @param instance the instance's state
	 * @return the statistic, in log-ratio units
	 */
	public double statistic(State instance) {
		return (instance.packed.get() & ~SLOW_BIT) / SCALE;
	}

	/**
	 * Forget all evidence of an instance (for example when it rejoins the fleet).
	 * @param instance the instance's state
	 */
	public void reset(State instance) {
		instance.packed.set(0);
		instance.outstanding = 0;
	}

	private long logRatio(long nanos, long medianNanos) {
		double x = Math.log(Math.max(1, nanos) / (double) medianNanos);
		return fixed(Math.max(this.config.minLogRatio(), Math.min(this.config.maxLogRatio(), x)));
	}

	private static long fixed(double value) {
		return Math.round(value * SCALE);
	}

	/**
	 * Evidence about one instance: the statistic and the slow verdict packed in one long,
	 * and the current outstanding evidence.
	 */
	public static final class State {

		private final AtomicLong packed = new AtomicLong();

		private volatile long outstanding;

		State() {
		}

	}

}
