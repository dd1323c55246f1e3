package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;

/**
 * Records admission and retry events as metrics. Free of Micrometer types, so that
 * callers can depend on it whether or not Micrometer is present: use the bean when there
 * is one and {@link #NONE} otherwise. Tag values must come from small fixed sets (no
 * path, no key). Implementations are thread-safe and cheap enough for the request path.
 */
public interface LatencyLbMetrics {

	/**
	 * Timer of the time admitted requests waited for a permit of an instance (zero when
	 * one was free), tags {@code service}, {@code class}. Rejected requests are counted
	 * by {@link #QUEUE_REJECTIONS} instead.
	 */
	String QUEUE_WAIT = "latencylb.queue.wait";

	/**
	 * Counter of requests rejected by admission, tags {@code service}, {@code class},
	 * {@code cause} ({@code timeout} or {@code full}).
	 */
	String QUEUE_REJECTIONS = "latencylb.queue.rejections";

	/**
	 * Counter of retry attempts and refusals, tags {@code service}, {@code outcome}
	 * ({@code retried}, {@code exhausted} or {@code budget-exhausted}).
	 */
	String RETRIES = "latencylb.retries";

	/**
	 * Records nothing.
	 */
	LatencyLbMetrics NONE = new LatencyLbMetrics() {

		@Override
		public void recordQueueWait(String serviceId, int priorityClass, Duration wait) {
		}

		@Override
		public void recordRejection(String serviceId, int priorityClass, String cause) {
		}

		@Override
		public void recordRetry(String serviceId, String outcome) {
		}

	};

	/**
	 * Record how long an admitted request waited for a permit (zero when one was free).
	 * @param serviceId the service id
	 * @param priorityClass the request's priority class
	 * @param wait the time it waited
	 */
	void recordQueueWait(String serviceId, int priorityClass, Duration wait);

	/**
	 * Record a request rejected by admission.
	 * @param serviceId the service id
	 * @param priorityClass the request's priority class
	 * @param cause {@code timeout} (waited past its deadline) or {@code full} (no room in
	 * the queue)
	 */
	void recordRejection(String serviceId, int priorityClass, String cause);

	/**
	 * Record a retry decision.
	 * @param serviceId the service id
	 * @param outcome what happened, from a small fixed set: {@code retried} (sent to
	 * another instance), {@code exhausted} (no attempt left) or {@code budget-exhausted}
	 * (the service's retry budget refused it)
	 */
	void recordRetry(String serviceId, String outcome);

}
