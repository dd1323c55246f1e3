package io.github.latencylb.benchmarks.simulation;

/**
 * The figures of one run of one policy on one scenario.
 *
 * @param scenario the scenario id
 * @param policy the policy
 * @param priority whether health checks had priority in the instance queues
 * @param requests regular requests sent
 * @param failed regular requests that failed (queue full or queue timeout)
 * @param p50Millis median latency of successful regular requests (arrival to response)
 * @param p99Millis 99th percentile of the same
 * @param p999Millis 99.9th percentile of the same
 * @param forcedMoves regular requests sent to another instance than their flow's previous
 * request because that instance had left, was ejected, or failed the previous request
 * @param unforcedMoves regular requests sent to another instance than their flow's
 * previous request while that instance was still there and had not failed it
 * @param peakToMean mean over 1 s windows of (requests sent to the busiest instance /
 * mean requests per instance present)
 * @param healthChecks health checks sent
 * @param healthChecksPassed health checks answered within their 1 s timeout
 * @param healthChecksQueueFull health checks rejected at once because the instance's
 * queue was full
 * @param healthChecksExpired health checks that waited in the queue until their timeout
 * @param details policy-specific counters (the hybrid's move causes and overflows)
 * @param windowP99Millis p99 latency of successful regular requests per 1 s window
 * @param windowHealthOk share of health checks passed per 1 s window
 */
public record SimulationResult(String scenario, PolicyKind policy, boolean priority, long requests, long failed,
		double p50Millis, double p99Millis, double p999Millis, long forcedMoves, long unforcedMoves, double peakToMean,
		long healthChecks, long healthChecksPassed, long healthChecksQueueFull, long healthChecksExpired,
		String details, double[] windowP99Millis, double[] windowHealthOk) {

	/**
	 * Return the share of regular requests that failed.
	 * @return a fraction
	 */
	public double failedShare() {
		return share(this.failed, this.requests);
	}

	/**
	 * Return the share of regular requests that were forced off their flow's previous
	 * instance.
	 * @return a fraction
	 */
	public double forcedMoveShare() {
		return share(this.forcedMoves, this.requests);
	}

	/**
	 * Return the share of regular requests that left their flow's previous instance
	 * without being forced to.
	 * @return a fraction
	 */
	public double unforcedMoveShare() {
		return share(this.unforcedMoves, this.requests);
	}

	/**
	 * Return the share of health checks that passed.
	 * @return a fraction
	 */
	public double healthCheckSuccess() {
		return share(this.healthChecksPassed, this.healthChecks);
	}

	/**
	 * Return the figures that a rerun with the same seed must reproduce exactly, as text.
	 * @return a fingerprint of this result
	 */
	public String fingerprint() {
		return String.join("|", this.scenario, this.policy.name(), Boolean.toString(this.priority),
				Long.toString(this.requests), Long.toString(this.failed), Double.toString(this.p50Millis),
				Double.toString(this.p99Millis), Double.toString(this.p999Millis), Long.toString(this.forcedMoves),
				Long.toString(this.unforcedMoves), Double.toString(this.peakToMean), Long.toString(this.healthChecks),
				Long.toString(this.healthChecksPassed), Long.toString(this.healthChecksQueueFull),
				Long.toString(this.healthChecksExpired), this.details);
	}

	private static double share(long part, long whole) {
		return (whole > 0) ? (double) part / whole : 0.0;
	}

}
