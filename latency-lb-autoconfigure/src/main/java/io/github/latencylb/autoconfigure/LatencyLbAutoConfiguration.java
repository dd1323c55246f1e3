package io.github.latencylb.autoconfigure;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbLoadBalancerConfiguration;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SupplierConfigurations;
import io.github.latencylb.core.FlowTable;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.SchedulerConfig;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Makes latency-lb the load balancer of every service: registers
 * {@link LatencyLbLoadBalancerConfiguration} as the default per-service configuration of
 * Spring Cloud LoadBalancer, and the {@link SchedulerRegistry} that holds each service's
 * scheduler. Off with {@code latency-lb.enabled=false}, which leaves Spring's round robin
 * in place.
 */
@AutoConfiguration(before = LoadBalancerAutoConfiguration.class)
@ConditionalOnClass(ReactorServiceInstanceLoadBalancer.class)
@ConditionalOnProperty(prefix = LatencyLbProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LatencyLbProperties.class)
@LoadBalancerClients(defaultConfiguration = LatencyLbLoadBalancerConfiguration.class)
public final class LatencyLbAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SchedulerRegistry latencyLbSchedulerRegistry(LatencyLbProperties properties, Environment environment) {
		// Refuse supplier configurations that would fight latency-lb (docs/suppliers.md).
		SupplierConfigurations.check(environment);
		Binder binder = Binder.get(environment);
		// Fail start-up now, naming the service, if a combination of values is invalid.
		configOf(binder, null);
		properties.getServices().keySet().forEach((serviceId) -> configOf(binder, serviceId));
		FlowTable flows = new FlowTable(properties.getAffinity().getMaxFlows(), NanoClock.SYSTEM);
		return new SchedulerRegistry((serviceId) -> configOf(binder, serviceId), NanoClock.SYSTEM, flows);
	}

	/**
	 * Bind the global knobs, then the service's overrides on top, and map them to a core
	 * config.
	 */
	static SchedulerConfig configOf(Binder binder, String serviceId) {
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
			return SchedulerRegistry.toConfig(merged);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(
					"Invalid latency-lb configuration under '" + prefix + "': " + ex.getMessage(), ex);
		}
	}

}
