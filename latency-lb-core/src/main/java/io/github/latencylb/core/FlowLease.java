package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request counted in flight for its flow in a {@link FlowInflightCounts}: released
 * exactly once, whoever calls {@link #release()} first (the response, a cancellation, a
 * timeout). Thread-safe.
 */
public final class FlowLease {

	private final FlowInflightCounts counts;

	private final long flowHash;

	private final boolean tracked;

	private final AtomicBoolean released = new AtomicBoolean();

	FlowLease(FlowInflightCounts counts, long flowHash, boolean tracked) {
		this.counts = counts;
		this.flowHash = flowHash;
		this.tracked = tracked;
	}

	/**
	 * Return whether the request is counted (the table had room for its flow).
	 * @return whether tracked
	 */
	public boolean tracked() {
		return this.tracked;
	}

	/**
	 * Uncount the request; only the first call does anything.
	 * @return whether this call released it
	 */
	public boolean release() {
		if (!this.released.compareAndSet(false, true)) {
			return false;
		}
		if (this.tracked) {
			this.counts.release(this.flowHash);
		}
		return true;
	}

}
