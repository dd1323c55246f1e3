package io.github.latencylb.autoconfigure.gateway;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.Lease;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts every proxied request in flight on the instance latency-lb chose, and feeds its
 * latency back to the scheduler. Spring Cloud Gateway does not call
 * {@code LoadBalancerLifecycle.onComplete} when the client cancels, so this filter owns
 * the accounting: the lease starts right after the load balancer chose, the latency is
 * the time to response headers (5xx counts as a failure, 503 as overload that never
 * ejects, an error with no response as a failure), and the in-flight slot is released in
 * {@code doFinally}, exactly once, on success, error or cancellation. Runs once per
 * attempt, so retries are counted on the instance each attempt went to.
 */
public class InflightAccountingGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: after the load-balancer filter and admission.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 2;

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Object response = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (!(response instanceof LatencyLbResponse chosen) || !chosen.claimAccounting()) {
			// Not ours, or already counted (a filter chain re-run without a new choice).
			return chain.filter(exchange);
		}
		Lease lease = chosen.start();
		exchange.getResponse().beforeCommit(() -> {
			if (!lease.isReleased()) {
				record(lease, exchange.getResponse().getStatusCode());
			}
			return Mono.empty();
		});
		Mono<Void> rest;
		try {
			rest = chain.filter(exchange);
		}
		catch (RuntimeException ex) {
			// A filter that throws instead of returning an error must not leave the lease
			// in flight.
			lease.recordFailure();
			lease.release();
			throw ex;
		}
		return rest.doFinally((signal) -> {
			if (signal == SignalType.ON_ERROR) {
				lease.recordFailure();
			}
			else if (signal == SignalType.ON_COMPLETE) {
				// Responses that completed without committing (or before the hook ran).
				record(lease, exchange.getResponse().getStatusCode());
			}
			lease.release();
		});
	}

	/**
	 * 5xx is a failure, except 503: an overloaded instance asking to be spared is a slow
	 * sample but never a step towards ejection.
	 */
	private static void record(Lease lease, HttpStatusCode status) {
		if (status != null && status.value() == 503) {
			lease.recordOverload();
		}
		else {
			lease.recordResponse(status != null && status.is5xxServerError());
		}
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
