package io.github.latencylb.core;

/**
 * Requests in flight per flow on one instance: a small open-addressing table keyed by the
 * flow's 64-bit hash, bounded by its capacity. An entry exists only while its flow has a
 * request in flight (it is removed when its count returns to zero, by backward shift, so
 * the table never fills with dead flows). Every increment is paired with one decrement
 * through the {@link FlowLease} it returns, which releases at most once, so counts never
 * leak whatever the order of releases, cancellations and retries.
 * <p>
 * When more distinct flows are in flight than the capacity, a new flow is not tracked:
 * its lease is {@linkplain FlowLease#tracked() untracked}, releases nothing, and the flow
 * reads as having no other request in flight (it is never taken for a hot flow because
 * the table was full). Thread-safe: one lock per instance, held for a few probes.
 */
public final class FlowInflightCounts {

	private final Object lock = new Object();

	private final long[] keys;

	private final int[] counts;

	private final int mask;

	private int flows;

	private int total;

	/**
	 * Create a table.
	 * @param capacity the most flows tracked at once; rounded up to a power of two, and
	 * the table keeps a quarter of its slots free
	 */
	public FlowInflightCounts(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
		}
		int slots = Integer.highestOneBit(Math.max(4, capacity + capacity / 3 + 1) - 1) << 1;
		this.keys = new long[slots];
		this.counts = new int[slots];
		this.mask = slots - 1;
	}

	/**
	 * Count one more request of a flow in flight.
	 * @param flowHash the flow's hash
	 * @return the lease to release exactly once when the request ends (further releases
	 * do nothing)
	 */
	public FlowLease acquire(long flowHash) {
		synchronized (this.lock) {
			int slot = find(flowHash);
			if (this.counts[slot] == 0) {
				if (this.flows >= maxFlows()) {
					return new FlowLease(this, flowHash, false);
				}
				this.keys[slot] = flowHash;
				this.flows++;
			}
			this.counts[slot]++;
			this.total++;
			return new FlowLease(this, flowHash, true);
		}
	}

	/**
	 * Return the requests of a flow in flight.
	 * @param flowHash the flow's hash
	 * @return the count ({@code 0} if untracked)
	 */
	public int inflight(long flowHash) {
		synchronized (this.lock) {
			return this.counts[find(flowHash)];
		}
	}

	/**
	 * Return the number of distinct flows with requests in flight (tracked ones).
	 * @return the count
	 */
	public int flows() {
		synchronized (this.lock) {
			return this.flows;
		}
	}

	/**
	 * Return the tracked requests in flight, over all flows.
	 * @return the sum of the counts
	 */
	public int total() {
		synchronized (this.lock) {
			return this.total;
		}
	}

	/**
	 * Return the most flows tracked at once.
	 * @return the bound
	 */
	public int maxFlows() {
		return this.keys.length - this.keys.length / 4;
	}

	void release(long flowHash) {
		synchronized (this.lock) {
			int slot = find(flowHash);
			if (this.counts[slot] == 0) {
				throw new IllegalStateException("released a flow that has nothing in flight");
			}
			this.total--;
			if (--this.counts[slot] == 0) {
				this.flows--;
				removeAt(slot);
			}
		}
	}

	/**
	 * The slot holding the flow, or the empty slot where it would go.
	 * @param flowHash the hash of the flow
	 * @return the slot index
	 */
	private int find(long flowHash) {
		int slot = spread(flowHash) & this.mask;
		while (this.counts[slot] != 0 && this.keys[slot] != flowHash) {
			slot = (slot + 1) & this.mask;
		}
		return slot;
	}

	/**
	 * Backward-shift deletion: keep every probe chain unbroken without tombstones.
	 * @param slot the slot to empty
	 */
	private void removeAt(int slot) {
		int hole = slot;
		int next = (hole + 1) & this.mask;
		while (this.counts[next] != 0) {
			int home = spread(this.keys[next]) & this.mask;
			// Move the entry back if its home is not in (hole, next].
			boolean between = (hole <= next) ? (hole < home && home <= next) : (hole < home || home <= next);
			if (!between) {
				this.keys[hole] = this.keys[next];
				this.counts[hole] = this.counts[next];
				this.counts[next] = 0;
				hole = next;
			}
			next = (next + 1) & this.mask;
		}
		this.counts[hole] = 0;
		this.keys[hole] = 0;
	}

	private static int spread(long hash) {
		long h = hash * 0x9E3779B97F4A7C15L;
		return (int) (h ^ (h >>> 32));
	}

}
