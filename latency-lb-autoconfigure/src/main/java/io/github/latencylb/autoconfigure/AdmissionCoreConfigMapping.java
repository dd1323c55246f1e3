package io.github.latencylb.autoconfigure;

import java.util.HashSet;

import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.admission.AdmissionConfig;

/**
 * The one place where admission, retry and flow-key properties become the core's
 * configurations.
 */
public final class AdmissionCoreConfigMapping {

	private AdmissionCoreConfigMapping() {
	}

	/**
	 * Map the bulkhead, queue and health-check properties.
	 * @param properties the properties
	 * @return the admission configuration
	 */
	public static AdmissionConfig admission(LatencyLbProperties properties) {
		AdmissionProperties.Bulkhead bulkhead = properties.getBulkhead();
		AdmissionProperties.Queue queue = properties.getQueue();
		Integer streams = bulkhead.getMaxConcurrentStreams();
		return new AdmissionConfig(bulkhead.getMaxConcurrentCalls(), (streams != null) ? streams : 0,
				queue.getMaxLength(), queue.getTimeout(), queue.getOverflowMinLength(),
				properties.getPriority().getHealthCheckQueueTimeout(), queue.getServiceMaxLength());
	}

	/**
	 * Map the retry properties.
	 * @param properties the properties
	 * @return the retry configuration
	 */
	public static RetryConfig retry(LatencyLbProperties properties) {
		AdmissionProperties.Retry retry = properties.getRetry();
		return new RetryConfig(retry.getMaxAttempts(), new HashSet<>(retry.getStatuses()), retry.getBudgetRatio(),
				retry.getMinRetriesPerSecond(), retry.getMaxBodyBytes());
	}

	/**
	 * Map the flow-key properties ({@code latency-lb.affinity.*}).
	 * @param properties the properties
	 * @return the flow-key configuration
	 */
	public static FlowKeyConfig flowKeys(LatencyLbProperties properties) {
		LatencyLbProperties.Affinity affinity = properties.getAffinity();
		return new FlowKeyConfig(affinity.getCookieNames(), affinity.getHeaderNames(), affinity.isClientIp(),
				affinity.getMaxKeyLength());
	}

}
