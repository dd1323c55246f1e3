package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;

/**
 * What the scheduler knows of one instance: weight, slow start, draining, ejection,
 * latency (peak EWMA and windowed percentiles), in-flight requests with their start
 * times, and the flows it holds. Thread-safe; the scheduler owns the writes.
 */
final class InstanceStats {

	/** Most flows whose requests in flight are counted per instance. */
	static final int FLOWS_TRACKED = 1024;

	private static final AtomicIntegerFieldUpdater<InstanceStats> INFLIGHT = AtomicIntegerFieldUpdater
		.newUpdater(InstanceStats.class, "inflight");

	final String id;

	final int weight;

	final long firstSeenNanos;

	final boolean warmFromStart;

	final PeakEwma ewma;

	final LatencyWindow window;

	/**
	 * Requests in flight: a field of this object, not an {@code AtomicInteger} of its
	 * own, so that the two candidates of a keyless decision are read without one more
	 * object each. Written through {@link #incrementInflight} and
	 * {@link #decrementInflight} (tests may set it).
	 */
	volatile int inflight;

	final OutstandingRequests outstanding = new OutstandingRequests();

	final AtomicInteger homeFlows = new AtomicInteger();

	final AtomicInteger pinnedFlows = new AtomicInteger();

	final AtomicInteger consecutiveFailures = new AtomicInteger();

	volatile boolean draining;

	/**
	 * End of the current ejection; starts at creation time (never ejected), compared by
	 * difference.
	 */
	volatile long ejectedUntilNanos;

	volatile int ejections;

	/**
	 * Windowed median from the last refresh with enough samples, -1 before that; kept
	 * while fresh samples are too few (a slow instance that gets no traffic stays slow),
	 * for at most two windows.
	 */
	volatile long medianNanos = -1;

	/** Windowed p95, computed and kept with {@link #medianNanos}, -1 without it. */
	volatile long p95Nanos = -1;

	/** Evidence of the sequential slowness test. */
	final CusumSlownessDetector.State cusum = new CusumSlownessDetector.State();

	/** Requests in flight per flow (keyed requests only). */
	final FlowInflightCounts flows = new FlowInflightCounts(FLOWS_TRACKED);

	/** When {@link #medianNanos} was last computed from enough samples. */
	volatile long medianStampNanos;

	/** Latency of the last response recorded, -1 before one. */
	volatile long lastLatencyNanos = -1;

	/** Whether the slowness detector finds this instance slow (with hysteresis). */
	volatile boolean slow;

	/** When a response or failure was last recorded; starts just before creation. */
	volatile long lastResponseNanos;

	/** Admission state of this instance, resolved once by the instance set. */
	volatile AdmissionHandle admission = AdmissionHandle.NONE;

	/** The caller's tag of this instance, from its last instance list. */
	volatile @Nullable Object tag;

	/** The keyless decision for this instance: immutable, so one serves them all. */
	final Decision keyless = new Decision(this, DecisionReason.KEYLESS, null);

	InstanceStats(String id, int weight, long nowNanos, boolean warmFromStart, SchedulerConfig config) {
		// The average is created as an argument, before the field initializers run, so
		// that it is allocated next to this object: a keyless decision reads both.
		this(id, weight, nowNanos, warmFromStart, config, new PeakEwma(config.latency().decay().toNanos(), nowNanos));
	}

	private InstanceStats(String id, int weight, long nowNanos, boolean warmFromStart, SchedulerConfig config,
			PeakEwma ewma) {
		this.id = id;
		this.weight = weight;
		this.firstSeenNanos = nowNanos;
		this.ejectedUntilNanos = nowNanos;
		this.lastResponseNanos = nowNanos - 1;
		this.warmFromStart = warmFromStart;
		this.ewma = ewma;
		this.window = new LatencyWindow(config.latency().window().toNanos(), nowNanos);
	}

	int incrementInflight() {
		return INFLIGHT.incrementAndGet(this);
	}

	int decrementInflight() {
		return INFLIGHT.decrementAndGet(this);
	}

	AdmissionHandle admission() {
		return this.admission;
	}

	boolean ejected(long nowNanos) {
		return nowNanos - this.ejectedUntilNanos < 0;
	}

	/**
	 * Fraction of its weight a new instance has during slow start, in
	 * {@code [minWeight, 1]}.
	 * @param nowNanos the current time
	 * @param config the scheduler configuration
	 * @return the warmth
	 */
	double warmth(long nowNanos, SchedulerConfig config) {
		return SlowStartGate.warmth(this, nowNanos, config.slowStart());
	}

	long oldestOutstandingAge(long nowNanos) {
		return this.outstanding.oldestAge(nowNanos);
	}

	/**
	 * How long this instance has shown no sign of life: among its outstanding requests
	 * that started at or after its last recorded response, the age of the second oldest;
	 * 0 if there are fewer than two. Two, so that one slow response never makes an
	 * instance look stuck; any response clears it, so a busy instance's normal tail never
	 * does.
	 * @param nowNanos the current time
	 * @return the age in nanoseconds
	 */
	long unansweredAge(long nowNanos) {
		return this.outstanding.secondOldestAgeSince(nowNanos, this.lastResponseNanos);
	}

	InstanceState state(long nowNanos, SchedulerConfig config) {
		if (ejected(nowNanos)) {
			return InstanceState.EJECTED;
		}
		if (this.draining) {
			return InstanceState.DRAINING;
		}
		return (warmth(nowNanos, config) < 1.0) ? InstanceState.WARMING : InstanceState.ACTIVE;
	}

}
