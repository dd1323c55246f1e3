package io.github.latencylb.benchmarks.simulation;

/**
 * The figures of one closed-loop run.
 *
 * @param scenario the scenario id
 * @param policy the policy
 * @param requests regular requests ended in the measured period
 * @param failed of those, failed (queue full or timeout: a 503)
 * @param throughput successful regular requests per second in the measured period
 * @param p50Millis median latency of successful regular requests (send to response)
 * @param p90Millis 90th percentile
 * @param p99Millis 99th percentile
 * @param healthChecks health checks sent in the measured period
 * @param healthChecksPassed of those, answered within their timeout
 * @param ordinaryRequests requests of ordinary sessions sent in the measured period
 * @param ordinaryMoved of those, served on another instance than the session's previous
 * request
 * @param hotP99Millis p99 of the hot session's requests (NaN without one)
 * @param p99BeforeMillis p99 before the first slowdown (NaN without one)
 * @param p99DuringMillis p99 after the first slowdown (NaN without one)
 * @param details policy-specific counters
 */
public record ClosedLoopResult(String scenario, ClosedLoopPolicy policy, long requests, long failed, double throughput,
		double p50Millis, double p90Millis, double p99Millis, long healthChecks, long healthChecksPassed,
		long ordinaryRequests, long ordinaryMoved, double hotP99Millis, double p99BeforeMillis, double p99DuringMillis,
		String details) {

	/**
	 * Return the share of health checks that passed.
	 * @return a fraction
	 */
	public double healthCheckSuccess() {
		return (this.healthChecks > 0) ? (double) this.healthChecksPassed / this.healthChecks : 1.0;
	}

	/**
	 * Return the share of ordinary sessions' requests that moved.
	 * @return a fraction
	 */
	public double ordinaryMovedShare() {
		return (this.ordinaryRequests > 0) ? (double) this.ordinaryMoved / this.ordinaryRequests : 0.0;
	}

	/**
	 * Return p99 during the slowdown over p99 before it.
	 * @return the ratio
	 */
	public double degradeRatio() {
		return this.p99DuringMillis / this.p99BeforeMillis;
	}

}
