package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tags each request with its priority class and offset (health checks first, like
 * HAProxy's {@code http-request set-priority-class}), unless a route's
 * {@code SetPriorityClass} filter already did.
 */
public class PriorityClassifierGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: before the load-balancer filter and the retry filter.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 100;

	private final PriorityClassifier classifier;

	/**
	 * Create the filter.
	 * @param classifier the classifier
	 */
	public PriorityClassifierGlobalFilter(PriorityClassifier classifier) {
		this.classifier = classifier;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		PriorityClassifier.Classification classification = this.classifier.classify(exchange.getRequest());
		exchange.getAttributes().putIfAbsent(LatencyLbAttributes.PRIORITY_CLASS, classification.priorityClass());
		exchange.getAttributes().putIfAbsent(LatencyLbAttributes.PRIORITY_OFFSET, classification.offset());
		exchange.getAttributes().putIfAbsent(LatencyLbAttributes.HEALTH_CHECK, classification.healthCheck());
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
