package io.github.latencylb.core;

import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Latency distribution over a sliding window, kept as two HdrHistograms of half a window
 * each: the one being written and the previous one. Queries see between half a window and
 * a full window of samples. Values are recorded in microseconds from 1 us to 1 h with 2
 * significant digits.
 * <p>
 * Thread-safe: recording is lock-free ({@link AtomicHistogram}); rotation and queries
 * synchronize on this object. A sample racing a rotation may land in either half; that is
 * harmless.
 */
public final class LatencyWindow {

	private static final long HIGHEST_MICROS = 3_600_000_000L;

	private final long halfWindowNanos;

	private volatile AtomicHistogram current;

	private AtomicHistogram previous;

	private volatile long rotateAt;

	private final Histogram scratch = new Histogram(1, HIGHEST_MICROS, 2);

	/** The halves {@link #scratch} was merged from, and their sample count then. */
	private @Nullable AtomicHistogram mergedCurrent;

	private @Nullable AtomicHistogram mergedPrevious;

	private long mergedCount = -1;

	/**
	 * Create an empty window.
	 * @param windowNanos length of the window, in nanoseconds
	 * @param nowNanos the current time
	 */
	public LatencyWindow(long windowNanos, long nowNanos) {
		this.halfWindowNanos = Math.max(1, windowNanos / 2);
		this.current = newHistogram();
		this.previous = newHistogram();
		this.rotateAt = nowNanos + this.halfWindowNanos;
	}

	/**
	 * Record a sample.
	 * @param latencyNanos the latency
	 * @param nowNanos the current time
	 */
	public void record(long latencyNanos, long nowNanos) {
		rotateIfDue(nowNanos);
		long micros = Math.min(HIGHEST_MICROS, Math.max(1, latencyNanos / 1000));
		this.current.recordValue(micros);
	}

	/**
	 * Return a snapshot of the samples in the window.
	 * @param nowNanos the current time
	 * @return the latency summary
	 */
	public synchronized Summary summary(long nowNanos) {
		Histogram merged = merged(nowNanos);
		long count = merged.getTotalCount();
		if (count == 0) {
			return new Summary(0, 0, 0, 0);
		}
		return new Summary(count, merged.getValueAtPercentile(50) * 1000, merged.getValueAtPercentile(99) * 1000,
				merged.getMaxValue() * 1000);
	}

	/**
	 * Return the latency at a percentile of the samples in the window.
	 * @param percentile the percentile, in {@code [0, 100]}
	 * @param nowNanos the current time
	 * @return the latency in nanoseconds, 0 when the window is empty
	 */
	public synchronized long valueAtPercentile(double percentile, long nowNanos) {
		Histogram merged = merged(nowNanos);
		return (merged.getTotalCount() != 0) ? merged.getValueAtPercentile(percentile) * 1000 : 0;
	}

	/**
	 * The two halves merged, merged again only if a half was replaced or a sample was
	 * recorded since the last merge: a fleet refresh asks every instance for its summary
	 * and a percentile, and the merge (clearing and adding two histograms of about 2,000
	 * counts) is what costs.
	 * @param nowNanos the current time
	 * @return the merged histogram
	 */
	private Histogram merged(long nowNanos) {
		rotateIfDue(nowNanos);
		AtomicHistogram current = this.current;
		AtomicHistogram previous = this.previous;
		long count = current.getTotalCount() + previous.getTotalCount();
		Histogram merged = this.scratch;
		if (current != this.mergedCurrent || previous != this.mergedPrevious || count != this.mergedCount) {
			merged.reset();
			merged.add(previous);
			merged.add(current);
			this.mergedCurrent = current;
			this.mergedPrevious = previous;
			// A sample recorded during the merge makes the count differ next time.
			this.mergedCount = count;
		}
		return merged;
	}

	private void rotateIfDue(long nowNanos) {
		if (nowNanos - this.rotateAt < 0) {
			return;
		}
		synchronized (this) {
			long due = this.rotateAt;
			if (nowNanos - due < 0) {
				return;
			}
			if (nowNanos - due >= this.halfWindowNanos) {
				// A whole window passed with no rotation: everything is stale.
				this.previous = newHistogram();
			}
			else {
				this.previous = this.current;
			}
			this.current = newHistogram();
			this.rotateAt = nowNanos + this.halfWindowNanos;
		}
	}

	private static AtomicHistogram newHistogram() {
		return new AtomicHistogram(1, HIGHEST_MICROS, 2);
	}

	/**
	 * Latency summary of a window.
	 *
	 * @param count number of samples
	 * @param p50Nanos median, in nanoseconds
	 * @param p99Nanos 99th percentile, in nanoseconds
	 * @param maxNanos largest sample, in nanoseconds
	 */
	public record Summary(long count, long p50Nanos, long p99Nanos, long maxNanos) {
	}

}
