package io.github.latencylb.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Peak-sensitive exponentially weighted moving average of latency, as in Finagle's and
 * Linkerd's peak EWMA balancers: a sample above the current value replaces it at once
 * (the "peak"), a lower one is blended in with weight {@code 1 - exp(-dt / tau)}, and the
 * value decays towards zero while no sample arrives, so an instance that was slow is
 * probed again after a while.
 * <p>
 * Values are nanoseconds. Thread-safe: updates are synchronized on this object (they are
 * short); reads take no lock and allocate nothing. The value and its time are two fields
 * guarded by a version (a sequence lock, as {@code StampedLock}'s optimistic reads): odd
 * while an update writes them, so a read that overlapped one sees the version move and
 * reads again under the lock. Two reads per keyless decision thus touch this object only,
 * not a state object replaced by every response.
 */
public final class PeakEwma {

	private static final VarHandle VERSION;

	private static final VarHandle COST;

	private static final VarHandle STAMP;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			VERSION = lookup.findVarHandle(PeakEwma.class, "version", long.class);
			COST = lookup.findVarHandle(PeakEwma.class, "cost", double.class);
			STAMP = lookup.findVarHandle(PeakEwma.class, "stamp", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final double tauNanos;

	/** Even while {@link #cost} and {@link #stamp} are stable, odd while written. */
	private volatile long version;

	/** Value at {@link #stamp}, in nanoseconds; {@code -1} before the first sample. */
	private double cost = -1;

	/** Time of the last sample (creation time before one). */
	private long stamp;

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
		// Plain reads: only this (locked) writer changes the fields.
		double old = this.cost;
		long oldStamp = this.stamp;
		// The decay since the last sample both ages the old value and weighs the blend.
		double w = Math.exp(-decayExponent(oldStamp, nowNanos));
		double cost;
		if (old < 0 || latencyNanos > old * w) {
			cost = latencyNanos;
		}
		else {
			cost = old * w + latencyNanos * (1 - w);
		}
		// Compared by difference: nanoTime values may wrap around.
		long stamp = (nowNanos - oldStamp > 0) ? nowNanos : oldStamp;
		long v = this.version;
		// Odd before the fields change, even again only after they all have.
		VERSION.setOpaque(this, v + 1);
		VarHandle.storeStoreFence();
		COST.setOpaque(this, cost);
		STAMP.setOpaque(this, stamp);
		VERSION.setRelease(this, v + 2);
	}

	/**
	 * Return the current value, decayed for the time since the last sample.
	 * @param nowNanos the current time
	 * @return the value in nanoseconds, or {@code -1} when no sample was ever recorded
	 */
	public double value(long nowNanos) {
		long v = readBegin();
		double cost = rawCost();
		long stamp = rawStamp();
		if (readValid(v)) {
			return decayed(cost, stamp, nowNanos);
		}
		// An update overlapped: read under the lock, as the keyless comparison does.
		synchronized (this) {
			return decayed(this.cost, this.stamp, nowNanos);
		}
	}

	private double decayed(double cost, long stamp, long nowNanos) {
		return (cost < 0) ? -1 : cost * Math.exp(-decayExponent(stamp, nowNanos));
	}

	/**
	 * Start an optimistic read of {@link #rawCost} and {@link #rawStamp}: the pair is
	 * consistent if {@link #readValid} then holds for the returned version.
	 * @return the version
	 */
	long readBegin() {
		return (long) VERSION.getAcquire(this);
	}

	/**
	 * The value as of the last sample, unsynchronized (see {@link #readBegin}).
	 * @return the value, {@code -1} before the first sample
	 */
	double rawCost() {
		return (double) COST.getOpaque(this);
	}

	/**
	 * The time of the last sample, unsynchronized (see {@link #readBegin}).
	 * @return the time
	 */
	long rawStamp() {
		return (long) STAMP.getOpaque(this);
	}

	/**
	 * Whether the fields read since {@link #readBegin} returned {@code version} are a
	 * consistent pair: no update began or was under way in between.
	 * @param version the version {@link #readBegin} returned
	 * @return whether the reads are valid
	 */
	boolean readValid(long version) {
		VarHandle.acquireFence();
		return (version & 1) == 0 && version == (long) VERSION.getOpaque(this);
	}

	/**
	 * The value and its time read under the lock, for a reader whose optimistic read
	 * overlapped an update.
	 * @return the value ({@code -1} before the first sample) and its time
	 */
	synchronized Snapshot lockedSnapshot() {
		return new Snapshot(this.cost, this.stamp);
	}

	/**
	 * The time constant of the decay.
	 * @return {@code tau}, in nanoseconds
	 */
	double tauNanos() {
		return this.tauNanos;
	}

	private double decayExponent(long stamp, long nowNanos) {
		return Math.max(0, nowNanos - stamp) / this.tauNanos;
	}

	/**
	 * The average as of its last update.
	 *
	 * @param cost the value, in nanoseconds, {@code -1} before the first sample
	 * @param stamp the time of the last sample
	 */
	record Snapshot(double cost, long stamp) {
	}

}
