package io.github.latencylb.autoconfigure.endpoint;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

/**
 * Reads instance URIs from each service's {@link LatencyAwareLoadBalancer}, in the
 * service's load-balancer child context. A service whose load balancer is not
 * latency-lb's has no URIs.
 */
final class LoadBalancerInstanceUriResolver implements InstanceUriResolver {

	private final LoadBalancerClientFactory clientFactory;

	LoadBalancerInstanceUriResolver(LoadBalancerClientFactory clientFactory) {
		this.clientFactory = clientFactory;
	}

	@Override
	public Map<String, URI> urisOf(String serviceId) {
		ReactorServiceInstanceLoadBalancer loadBalancer = this.clientFactory.getInstance(serviceId,
				ReactorServiceInstanceLoadBalancer.class);
		if (!(loadBalancer instanceof LatencyAwareLoadBalancer latencyAware)) {
			return Map.of();
		}
		Map<String, URI> uris = new LinkedHashMap<>();
		for (Map.Entry<String, ServiceInstance> entry : latencyAware.getInstances().entrySet()) {
			URI uri = entry.getValue().getUri();
			if (uri != null) {
				uris.put(entry.getKey(), uri);
			}
		}
		return uris;
	}

}
