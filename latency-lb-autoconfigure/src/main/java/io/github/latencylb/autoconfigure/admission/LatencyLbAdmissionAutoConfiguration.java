package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.CoreConfigMapping;
import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.LatencyLbProperties;
import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.TopologyPhase;
import io.github.latencylb.core.admission.CappedClass;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Priority admission for Spring Cloud Gateway: request classification (health checks
 * first), a bulkhead and priority queue per instance, and bounded retries on another
 * instance.
 */
@AutoConfiguration(after = LatencyLbAutoConfiguration.class,
		afterName = { "io.github.resilience4j.springboot3.bulkhead.autoconfigure.BulkheadAutoConfiguration",
				// resilience4j-spring-boot4 (Spring Boot 4)
				"io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration" })
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBean(SchedulerRegistry.class)
public final class LatencyLbAdmissionAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = "latency-lb.priority", name = "enabled", matchIfMissing = true)
	PriorityClassifier latencyLbPriorityClassifier(LatencyLbProperties properties) {
		return new PriorityClassifier(properties.getPriority());
	}

	@Bean
	@ConditionalOnMissingBean
	SetPriorityClassGatewayFilterFactory setPriorityClassGatewayFilterFactory() {
		return new SetPriorityClassGatewayFilterFactory();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = "latency-lb.bulkhead", name = "enabled", matchIfMissing = true)
	InstanceAdmission latencyLbInstanceAdmission(AdmissionRegistry registry, LatencyLbProperties properties,
			ObjectProvider<AdmissionListener> listener, StreamLimits streams) {
		return new InstanceAdmission(registry, CoreConfigMapping.admission(properties), NanoClock.SYSTEM,
				listener.getIfAvailable(() -> AdmissionListener.NONE), streams);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = "latency-lb.bulkhead", name = "enabled", matchIfMissing = true)
	StreamLimits latencyLbStreamLimits(LatencyLbProperties properties, SchedulerRegistry schedulers) {
		StreamLimits streams = new StreamLimits(CoreConfigMapping.admission(properties).maxConcurrentStreams());
		schedulers.addListener((scheduler) -> scheduler.addTopologyListener(TopologyPhase.BEFORE_PUBLICATION,
				(ids) -> streams.retain(scheduler.serviceId(), ids)));
		return streams;
	}

	@Bean
	@ConditionalOnMissingBean
	RetryGlobalFilter latencyLbRetryFilter(LatencyLbProperties properties, ObjectProvider<FlowKeyExtractor> flowKeys,
			ObjectProvider<PriorityClassifier> classifier, ObjectProvider<InstanceAdmission> admission,
			ObjectProvider<RetryGlobalFilter.RetryListener> listener) {
		return new RetryGlobalFilter(new RetryPolicy(CoreConfigMapping.retry(properties), NanoClock.SYSTEM),
				flowKeys.getIfAvailable(() -> new FlowKeyExtractor(CoreConfigMapping.flowKeys(properties))),
				classifier.getIfAvailable(), admission.getIfAvailable(),
				listener.getIfAvailable(() -> RetryGlobalFilter.RetryListener.NONE));
	}

	/**
	 * The health-check class and its cap, or {@code null} when classification is off.
	 * @param properties the latency-lb properties
	 * @return the capped class, or {@code null}
	 */
	static @Nullable CappedClass cappedClass(LatencyLbProperties properties) {
		AdmissionProperties.Priority priority = properties.getPriority();
		if (!priority.isEnabled()) {
			return null;
		}
		if (priority.getDefaultClass() <= priority.getHealthCheckClass()) {
			throw new IllegalStateException("latency-lb.priority.health-check-class (" + priority.getHealthCheckClass()
					+ ") must be lower than latency-lb.priority.default-class (" + priority.getDefaultClass() + ")");
		}
		return new CappedClass(priority.getHealthCheckClass(), priority.getHealthCheckMaxWaiters(),
				priority.getHealthCheckMaxRate(), priority.getDefaultClass());
	}

	/**
	 * Let each scheduler see its instances' admission state, and drop the queues and
	 * bulkheads of instances that leave.
	 * @param schedulers the schedulers of every service
	 * @param admission the admission queues and bulkheads
	 * @param overflowMinLength waiting requests that make a full instance saturated
	 */
	static void connect(SchedulerRegistry schedulers, AdmissionRegistry admission, int overflowMinLength) {
		schedulers.addListener((scheduler) -> {
			scheduler.setAdmissionView(admission.viewOf(scheduler.serviceId(), overflowMinLength));
			scheduler.addTopologyListener(TopologyPhase.BEFORE_PUBLICATION,
					(ids) -> admission.retain(scheduler.serviceId(), ids));
		});
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(BulkheadRegistry.class)
	@ConditionalOnProperty(prefix = "latency-lb.bulkhead", name = "enabled", matchIfMissing = true)
	static class Resilience4jAdmission {

		@Bean
		@ConditionalOnMissingBean
		AdmissionRegistry latencyLbAdmissionRegistry(LatencyLbProperties properties,
				ObjectProvider<BulkheadRegistry> bulkheads, SchedulerRegistry schedulers) {
			BulkheadRegistry registry = bulkheads.getIfAvailable(BulkheadRegistry::ofDefaults);
			AdmissionProperties.Bulkhead template = properties.getBulkhead();
			BulkheadConfig base = (template.getConfigName() != null)
					? registry.getConfiguration(template.getConfigName())
						.orElseThrow(() -> new IllegalStateException("latency-lb.bulkhead.config-name: no Resilience4j "
								+ "bulkhead config named '" + template.getConfigName() + "' "
								+ "(define resilience4j.bulkhead.configs." + template.getConfigName() + ")"))
					: BulkheadConfig.custom().maxConcurrentCalls(template.getMaxConcurrentCalls()).build();
			// Never wait inside the bulkhead: that would block an event-loop thread. We
			// queue instead.
			BulkheadConfig config = BulkheadConfig.from(base).maxWaitDuration(Duration.ZERO).build();
			AdmissionRegistry admission = new AdmissionRegistry(
					(serviceId, instanceId) -> new BulkheadPermitPool(
							registry.bulkhead(AdmissionRegistry.nameOf(serviceId, instanceId), config)),
					registry::remove, properties.getQueue().getMaxLength(), cappedClass(properties),
					properties.getQueue().getServiceMaxLength());
			connect(schedulers, admission, properties.getQueue().getOverflowMinLength());
			return admission;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("io.github.resilience4j.bulkhead.BulkheadRegistry")
	@ConditionalOnProperty(prefix = "latency-lb.bulkhead", name = "enabled", matchIfMissing = true)
	static class SemaphoreAdmission {

		@Bean
		@ConditionalOnMissingBean
		AdmissionRegistry latencyLbAdmissionRegistry(LatencyLbProperties properties, SchedulerRegistry schedulers) {
			int permits = properties.getBulkhead().getMaxConcurrentCalls();
			AdmissionRegistry admission = new AdmissionRegistry(
					(serviceId, instanceId) -> new SemaphorePermitPool(permits), (name) -> {
					}, properties.getQueue().getMaxLength(), cappedClass(properties),
					properties.getQueue().getServiceMaxLength());
			connect(schedulers, admission, properties.getQueue().getOverflowMinLength());
			return admission;
		}

	}

}
