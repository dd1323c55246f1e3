package io.github.latencylb.core.admission;

import java.time.Duration;

/**
 * Admission settings of every instance of a service: concurrency, queue and the
 * health-check class.
 *
 * @param maxConcurrentCalls requests running at once per instance
 * @param maxConcurrentStreams server-sent-event streams open at once per instance, 0 for
 * as many as {@code maxConcurrentCalls}
 * @param queueMaxLength most requests waiting per instance
 * @param queueTimeout how long a regular request may wait
 * @param overflowMinLength waiting requests that make a full instance count as saturated
 * to the scheduler
 * @param healthCheckQueueTimeout how long a health check may wait
 */
public record AdmissionConfig(int maxConcurrentCalls, int maxConcurrentStreams, int queueMaxLength,
		Duration queueTimeout, int overflowMinLength, Duration healthCheckQueueTimeout) {

	/**
	 * Validate the settings.
	 */
	public AdmissionConfig {
		if (maxConcurrentCalls < 1) {
			throw new IllegalArgumentException("maxConcurrentCalls must be >= 1, was " + maxConcurrentCalls);
		}
		if (maxConcurrentStreams < 0) {
			throw new IllegalArgumentException("maxConcurrentStreams must be >= 0, was " + maxConcurrentStreams);
		}
		if (queueMaxLength < 0) {
			throw new IllegalArgumentException("queueMaxLength must be >= 0, was " + queueMaxLength);
		}
		if (overflowMinLength < 1) {
			throw new IllegalArgumentException("overflowMinLength must be >= 1, was " + overflowMinLength);
		}
		if (queueTimeout.isNegative() || healthCheckQueueTimeout.isNegative()) {
			throw new IllegalArgumentException("queue timeouts must not be negative");
		}
	}

	/**
	 * Return the default settings: 256 concurrent calls, as many streams, 1000 waiters
	 * for at most 5 s (health checks 20 s), saturated from one waiter on.
	 * @return the defaults
	 */
	public static AdmissionConfig ofDefaults() {
		return new AdmissionConfig(256, 0, 1000, Duration.ofSeconds(5), 1, Duration.ofSeconds(20));
	}

}
