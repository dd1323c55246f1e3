package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.Locale;

import io.github.latencylb.autoconfigure.admission.AdmissionListener;
import io.github.latencylb.core.admission.AdmissionRejectedException;

/**
 * Records the outcomes of latency-lb's admission filter as metrics: the wait of every
 * admitted request ({@code latencylb.queue.wait}, zero when a permit was free) and
 * rejections by cause ({@code latencylb.queue.rejections}).
 */
final class AdmissionMetricsListener implements AdmissionListener {

	private final LatencyLbMetrics metrics;

	AdmissionMetricsListener(LatencyLbMetrics metrics) {
		this.metrics = metrics;
	}

	@Override
	public void admitted(String serviceId, int priorityClass, long waitedNanos) {
		this.metrics.recordQueueWait(serviceId, priorityClass, Duration.ofNanos(Math.max(0, waitedNanos)));
	}

	@Override
	public void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause) {
		this.metrics.recordRejection(serviceId, priorityClass, cause.name().toLowerCase(Locale.ROOT));
	}

}
