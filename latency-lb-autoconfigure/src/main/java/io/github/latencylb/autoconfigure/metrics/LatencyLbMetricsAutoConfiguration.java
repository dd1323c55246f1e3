package io.github.latencylb.autoconfigure.metrics;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.admission.AdmissionListener;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter.RetryListener;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer metrics of latency-lb when a {@link MeterRegistry} and the scheduler
 * registry exist: the scheduler meters ({@link SchedulerMeterBinder}, bound by Spring
 * Boot to the registry), the {@link LatencyLbMetrics} recorder, and listeners that feed
 * it the admission and retry outcomes of latency-lb's gateway filters.
 */
@AutoConfiguration(after = LatencyLbAutoConfiguration.class, afterName = {
		"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
		"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
		// Spring Boot 4 moved them to spring-boot-micrometer-metrics
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, SchedulerRegistry.class })
public final class LatencyLbMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SchedulerMeterBinder latencyLbSchedulerMeterBinder(SchedulerRegistry schedulers,
			ObjectProvider<AdmissionStateProvider> admission) {
		return new SchedulerMeterBinder(schedulers, admission.getIfAvailable(() -> AdmissionStateProvider.NONE));
	}

	@Bean
	@ConditionalOnMissingBean(LatencyLbMetrics.class)
	MicrometerLatencyLbMetrics latencyLbMetrics(MeterRegistry registry) {
		return new MicrometerLatencyLbMetrics(registry);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(GlobalFilter.class)
	static class AdmissionMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AdmissionListener latencyLbAdmissionMetricsListener(LatencyLbMetrics metrics) {
			return new AdmissionMetricsListener(metrics);
		}

		@Bean
		@ConditionalOnMissingBean
		RetryListener latencyLbRetryMetricsListener(LatencyLbMetrics metrics) {
			return metrics::recordRetry;
		}

	}

}
