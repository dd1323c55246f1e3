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
 * @param serviceQueueMaxLength most keyless requests waiting for any fit instance of a
 * service ({@link ServiceQueue}); 0 makes them wait in their chosen instance's queue
 */
public record AdmissionConfig(int maxConcurrentCalls, int maxConcurrentStreams, int queueMaxLength,
		Duration queueTimeout, int overflowMinLength, Duration healthCheckQueueTimeout, int serviceQueueMaxLength) {

	/**
	 * Default {@link #serviceQueueMaxLength()}.
	 */
	public static final int DEFAULT_SERVICE_QUEUE_MAX_LENGTH = 1000;

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
		if (serviceQueueMaxLength < 0) {
			throw new IllegalArgumentException("serviceQueueMaxLength must be >= 0, was " + serviceQueueMaxLength);
		}
	}

	/**
	 * Create settings with the default service queue length.
	 * @param maxConcurrentCalls requests running at once per instance
	 * @param maxConcurrentStreams server-sent-event streams open at once per instance
	 * @param queueMaxLength most requests waiting per instance
	 * @param queueTimeout how long a regular request may wait
	 * @param overflowMinLength waiting requests that make a full instance saturated
	 * @param healthCheckQueueTimeout how long a health check may wait
	 */
	public AdmissionConfig(int maxConcurrentCalls, int maxConcurrentStreams, int queueMaxLength, Duration queueTimeout,
			int overflowMinLength, Duration healthCheckQueueTimeout) {
		this(maxConcurrentCalls, maxConcurrentStreams, queueMaxLength, queueTimeout, overflowMinLength,
				healthCheckQueueTimeout, DEFAULT_SERVICE_QUEUE_MAX_LENGTH);
	}

	/**
	 * Return the default settings: 256 concurrent calls, as many streams, 1000 waiters
	 * per instance and 1000 keyless ones per service for at most 5 s (health checks 20
	 * s), saturated from one waiter on.
	 * @return the defaults
	 */
	public static AdmissionConfig ofDefaults() {
		return new AdmissionConfig(256, 0, 1000, Duration.ofSeconds(5), 1, Duration.ofSeconds(20),
				DEFAULT_SERVICE_QUEUE_MAX_LENGTH);
	}

}
