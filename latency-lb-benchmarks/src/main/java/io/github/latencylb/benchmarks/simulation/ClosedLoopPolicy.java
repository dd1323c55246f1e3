package io.github.latencylb.benchmarks.simulation;

/**
 * The policies compared in the closed-loop scenarios: the simulated baselines, latency-lb
 * as the gateway runs it, and issue 9's {@link FlowFairPolicy} prototype with and without
 * the service queue.
 */
public enum ClosedLoopPolicy {

	/** Round robin. */
	ROUND_ROBIN(PolicyKind.ROUND_ROBIN, false, null),

	/** Fewest requests in flight (HAProxy's leastconn, without its service queue). */
	LEAST_CONNECTIONS(PolicyKind.LEAST_CONNECTIONS, false, null),

	/** Power of two choices by peak EWMA. */
	P2C_PEAK_EWMA(PolicyKind.P2C_PEAK_EWMA, false, null),

	/** Bounded-load consistent hashing (HAProxy's hash-balance-factor). */
	BOUNDED_LOAD(PolicyKind.BOUNDED_LOAD, false, null),

	/**
	 * latency-lb's core {@code Scheduler} (defaults) behind the gateway's two-level
	 * admission ({@link GatewayAdmission}).
	 */
	GATEWAY(PolicyKind.HYBRID_ADMISSION, true, "latency-lb (gateway admission)"),

	/** Issue 9's algorithms, per-instance queues only. */
	FLOW_FAIR(null, false, "issue 9 prototype"),

	/** Issue 9's algorithms with the two-level queue (keyless waiters per service). */
	FLOW_FAIR_TWO_LEVEL(null, true, "issue 9 prototype + service queue");

	private final PolicyKind kind;

	private final boolean twoLevel;

	private final String label;

	ClosedLoopPolicy(PolicyKind kind, boolean twoLevel, String label) {
		this.kind = kind;
		this.twoLevel = twoLevel;
		this.label = (label != null) ? label : kind.label();
	}

	/**
	 * Return the name shown in reports.
	 * @return the label
	 */
	public String label() {
		return this.label;
	}

	/**
	 * Return the baseline policy, or {@code null} for the prototype.
	 * @return the kind
	 */
	PolicyKind kind() {
		return this.kind;
	}

	/**
	 * Return whether requests may wait in a per-service queue.
	 * @return whether two-level
	 */
	boolean twoLevel() {
		return this.twoLevel;
	}

}
