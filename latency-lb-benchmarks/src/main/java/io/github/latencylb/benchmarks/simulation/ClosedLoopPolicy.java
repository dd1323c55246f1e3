package io.github.latencylb.benchmarks.simulation;

/**
 * The policies compared in the closed-loop scenarios: the simulated baselines and the
 * current hybrid, plus issue 9's {@link FlowFairPolicy} with and without the service
 * queue.
 */
public enum ClosedLoopPolicy {

	/** Round robin. */
	ROUND_ROBIN(PolicyKind.ROUND_ROBIN, false),

	/** Fewest requests in flight (HAProxy's leastconn, without its service queue). */
	LEAST_CONNECTIONS(PolicyKind.LEAST_CONNECTIONS, false),

	/** Power of two choices by peak EWMA. */
	P2C_PEAK_EWMA(PolicyKind.P2C_PEAK_EWMA, false),

	/** Bounded-load consistent hashing (HAProxy's hash-balance-factor). */
	BOUNDED_LOAD(PolicyKind.BOUNDED_LOAD, false),

	/** latency-lb's current core {@code Scheduler} with the admission view. */
	HYBRID_ADMISSION(PolicyKind.HYBRID_ADMISSION, false),

	/** Issue 9's algorithms, per-instance queues only. */
	FLOW_FAIR(null, false),

	/** Issue 9's algorithms with the two-level queue (keyless waiters per service). */
	FLOW_FAIR_TWO_LEVEL(null, true);

	private final PolicyKind kind;

	private final boolean twoLevel;

	ClosedLoopPolicy(PolicyKind kind, boolean twoLevel) {
		this.kind = kind;
		this.twoLevel = twoLevel;
	}

	/**
	 * Return the name shown in reports.
	 * @return the label
	 */
	public String label() {
		if (this.kind != null) {
			return this.kind.label();
		}
		return this.twoLevel ? "issue 9 prototype + service queue" : "issue 9 prototype";
	}

	/**
	 * Return the baseline policy, or {@code null} for the prototype.
	 * @return the kind
	 */
	PolicyKind kind() {
		return this.kind;
	}

	/**
	 * Return whether keyless requests wait in a per-service queue.
	 * @return whether two-level
	 */
	boolean twoLevel() {
		return this.twoLevel;
	}

}
