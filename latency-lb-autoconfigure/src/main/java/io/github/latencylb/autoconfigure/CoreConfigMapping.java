package io.github.latencylb.autoconfigure;

import java.util.HashSet;

import io.github.latencylb.core.AffinityConfig;
import io.github.latencylb.core.BoundedLoadConfig;
import io.github.latencylb.core.CusumConfig;
import io.github.latencylb.core.EjectionConfig;
import io.github.latencylb.core.FallbackConfig;
import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.FlowWaitConfig;
import io.github.latencylb.core.LatencyConfig;
import io.github.latencylb.core.MovesConfig;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.RingConfig;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.SlowStartConfig;
import io.github.latencylb.core.SlownessConfig;
import io.github.latencylb.core.admission.AdmissionConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * The one mapping from {@code latency-lb.*} properties to the core's configurations: the
 * scheduler's (part by part), admission, retry and flow keys. The properties' defaults
 * are checked against the core's {@code ofDefaults()} by its tests.
 */
public final class CoreConfigMapping {

	private CoreConfigMapping() {
	}

	/**
	 * Bind the global scheduler knobs, then a service's overrides on top, and map them.
	 * @param binder the binder of the environment
	 * @param serviceId the service, or {@code null} for the global knobs alone
	 * @return the core configuration
	 * @throws IllegalStateException naming the property prefix when a value or a
	 * combination is invalid, or when a service sets {@code affinity.max-flows}
	 */
	public static SchedulerConfig scheduler(Binder binder, @Nullable String serviceId) {
		ServiceProperties merged = new ServiceProperties();
		binder.bind(LatencyLbProperties.PREFIX, Bindable.ofInstance(merged));
		String prefix = LatencyLbProperties.PREFIX;
		if (serviceId != null) {
			prefix = LatencyLbProperties.PREFIX + ".services[" + serviceId + "]";
			if (binder.bind(prefix + ".affinity.max-flows", Long.class).isBound()) {
				throw new IllegalStateException("Invalid latency-lb configuration: '" + prefix
						+ ".affinity.max-flows' is not supported: the flow table is shared by every service;"
						+ " set 'latency-lb.affinity.max-flows' to bound it for the whole gateway");
			}
			binder.bind(prefix, Bindable.ofInstance(merged));
		}
		try {
			return scheduler(merged);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(
					"Invalid latency-lb configuration under '" + prefix + "': " + ex.getMessage(), ex);
		}
	}

	/**
	 * Map one service's scheduler properties to a core configuration.
	 * @param p the scheduler properties of one service
	 * @return the core configuration
	 * @throws IllegalArgumentException naming the field when the combination is invalid
	 */
	public static SchedulerConfig scheduler(ServiceProperties p) {
		return new SchedulerConfig(ring(p.getRing()), boundedLoad(p.getBoundedLoad()), latency(p.getLatency()),
				slowness(p.getFallback()), fallback(p.getFallback()), moves(p.getFallback()), affinity(p.getAffinity()),
				slowStart(p.getSlowStart()), ejection(p.getEjection()), SchedulerConfig.ofDefaults().refreshInterval(),
				cusum(p.getSlowness()), flowWait(p.getFallback()));
	}

	static CusumConfig cusum(SchedulerProperties.Slowness p) {
		if (!(p.getClearThreshold() < p.getThreshold())) {
			throw new IllegalArgumentException("slowness.clear-threshold must be below slowness.threshold ("
					+ p.getThreshold() + ") but was " + p.getClearThreshold());
		}
		CusumConfig defaults = CusumConfig.ofDefaults();
		return new CusumConfig(p.getReferenceRatio(), p.getThreshold(), p.getClearThreshold(), defaults.minLogRatio(),
				defaults.maxLogRatio(), p.getOutstandingFactor());
	}

	static FlowWaitConfig flowWait(SchedulerProperties.Fallback p) {
		return new FlowWaitConfig(p.getWaitBudgetFactor(), p.getMinWaitBudget().toNanos(), p.getOverloadWaitFactor());
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

	static RingConfig ring(SchedulerProperties.Ring p) {
		return new RingConfig(p.getVirtualNodes());
	}

	static BoundedLoadConfig boundedLoad(SchedulerProperties.BoundedLoad p) {
		return new BoundedLoadConfig(p.getBalanceFactor(), p.getMinSlots());
	}

	static LatencyConfig latency(SchedulerProperties.Latency p) {
		return new LatencyConfig(p.getDecay(), p.getWindow(), p.getMinSamples(), p.getFailurePenalty());
	}

	static SlownessConfig slowness(SchedulerProperties.Fallback p) {
		return new SlownessConfig(p.getLatencyFactor(), p.getMinSlowLatency(), p.getStuckFactor());
	}

	static FallbackConfig fallback(SchedulerProperties.Fallback p) {
		return new FallbackConfig(p.getCandidates(), p.getNearEqualTolerance());
	}

	static MovesConfig moves(SchedulerProperties.Fallback p) {
		return new MovesConfig(p.getMaxMovesPerSecond());
	}

	static AffinityConfig affinity(ServiceProperties.FlowTable p) {
		return new AffinityConfig(p.getMaxFlows(), p.getIdleTimeout());
	}

	static SlowStartConfig slowStart(SchedulerProperties.SlowStart p) {
		return new SlowStartConfig(p.getDuration(), p.getMinWeight(), p.getSettlePeriod());
	}

	static EjectionConfig ejection(SchedulerProperties.Ejection p) {
		return new EjectionConfig(p.getConsecutiveFailures(), p.getBaseTime(), p.getMaxTime(), p.getMaxPercent());
	}

}
