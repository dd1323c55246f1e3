package io.github.latencylb.autoconfigure.endpoint;

import java.util.Map;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.LatencyLbAdmissionAutoConfiguration;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the {@code latencylb} actuator endpoint when actuator is present, latency-lb
 * is on and the endpoint is available (enabled and exposed). Its write operation stays
 * off unless {@code management.endpoint.latencylb.access=unrestricted}. Also exposes the
 * state of latency-lb's admission (queues, bulkheads, retry budgets) as the
 * {@link AdmissionStateProvider} that the endpoint and the queue-length gauges read.
 */
@AutoConfiguration(after = { LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
		LatencyLbAdmissionAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(SchedulerRegistry.class)
public final class LatencyLbEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(LatencyLbEndpoint.class)
	LatencyLbEndpoint latencyLbEndpoint(SchedulerRegistry registry, ObjectProvider<InstanceUriResolver> uris,
			ObjectProvider<AdmissionStateProvider> admission) {
		return new LatencyLbEndpoint(registry, uris.getIfAvailable(() -> (serviceId) -> Map.of()),
				admission.getIfAvailable(() -> AdmissionStateProvider.NONE));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(LoadBalancerClientFactory.class)
	@ConditionalOnAvailableEndpoint(LatencyLbEndpoint.class)
	InstanceUriResolver latencyLbInstanceUriResolver(LoadBalancerClientFactory clientFactory) {
		return new LoadBalancerInstanceUriResolver(clientFactory);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(GlobalFilter.class)
	@ConditionalOnBean(AdmissionRegistry.class)
	static class AdmissionStateConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AdmissionStateProvider latencyLbAdmissionStateProvider(AdmissionRegistry registry,
				ObjectProvider<RetryGlobalFilter> retries) {
			return new AdmissionRegistryStateProvider(registry, (serviceId) -> {
				RetryGlobalFilter filter = retries.getIfAvailable();
				return (filter != null) ? filter.budget(serviceId) : null;
			});
		}

	}

}
