package io.github.latencylb.autoconfigure;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbLoadBalancerConfiguration;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SupplierConfigurations;
import io.github.latencylb.core.FlowTable;
import io.github.latencylb.core.NanoClock;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
		CoreConfigMapping.scheduler(binder, null);
		properties.getServices().keySet().forEach((serviceId) -> CoreConfigMapping.scheduler(binder, serviceId));
		FlowTable flows = new FlowTable(properties.getAffinity().getMaxFlows(), NanoClock.SYSTEM);
		return new SchedulerRegistry((serviceId) -> CoreConfigMapping.scheduler(binder, serviceId), NanoClock.SYSTEM,
				flows);
	}

	/**
	 * Swaps each scheduler's configuration when {@code latency-lb.*} properties change at
	 * run time (Spring Cloud's environment refresh); an invalid change is logged and
	 * leaves the running configuration in place.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.cloud.context.environment.EnvironmentChangeEvent")
	static class Refresh {

		@Bean
		ApplicationListener<EnvironmentChangeEvent> latencyLbSchedulerRefresh(SchedulerRegistry registry) {
			return (event) -> {
				if (event.getKeys().stream().anyMatch((key) -> key.startsWith(LatencyLbProperties.PREFIX + "."))) {
					registry.reconfigure();
				}
			};
		}

	}

}
