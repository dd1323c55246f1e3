package io.github.latencylb.autoconfigure.loadbalancer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Per-service load-balancer configuration, registered as the default of every service
 * through {@code @LoadBalancerClients(defaultConfiguration = ...)}: it lives in each
 * service's child context, never in the application context (where a load balancer would
 * serve every service). A user's own {@code @LoadBalancerClient(configuration = ...)} for
 * a service is registered first and wins.
 */
@Configuration(proxyBeanMethods = false)
public class LatencyLbLoadBalancerConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReactorLoadBalancer<ServiceInstance> latencyAwareLoadBalancer(Environment environment,
			ObjectProvider<ServiceInstanceListSupplier> suppliers, SchedulerRegistry registry) {
		String serviceId = environment.getRequiredProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		return new LatencyAwareLoadBalancer(suppliers, serviceId, registry.scheduler(serviceId));
	}

}
