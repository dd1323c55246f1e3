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
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts every proxied request in flight on the instance latency-lb chose, and feeds its
 * latency back to the scheduler. Spring Cloud Gateway does not call
 * {@code LoadBalancerLifecycle.onComplete} when the client cancels, so this filter owns
 * the accounting: the lease starts right after the load balancer chose, the latency is
 * the time to response headers, and the lease lasts as long as the response, body
 * included: it ends (exactly once, through {@link LatencyLbResponse#end}) when the
 * attempt fails, is retried, or its response is over ({@link ResponseEndGlobalFilter}).
 * The outcome is recorded then: 5xx counts as a failure, 503 as overload that never
 * ejects, an error with no response, or a body that broke off, as a failure. Runs once
 * per attempt, so retries are counted on the instance each attempt went to.
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
		boolean scoped = ResponseEndGlobalFilter.isScoped(exchange);
		exchange.getResponse().beforeCommit(() -> {
			// A response committed before the chain completed (or a WebSocket upgrade):
			// the latency sample ends here.
			lease.responded();
			return Mono.empty();
		});
		Mono<Void> rest;
		try {
			rest = chain.filter(exchange);
		}
		catch (RuntimeException ex) {
			// A filter that throws instead of returning an error must not leave the lease
			// in flight.
			chosen.end(LatencyLbResponse.End.FAILURE, null);
			throw ex;
		}
		return rest.doOnSuccess((ignored) -> lease.responded()).doFinally((signal) -> {
			if (signal == SignalType.ON_COMPLETE && scoped) {
				// The response headers arrived: the lease lasts as long as the body,
				// which
				// ResponseEndGlobalFilter ends (or the retry that drops this response).
				return;
			}
			chosen.end(ResponseEndGlobalFilter.toEnd(signal), exchange.getResponse().getStatusCode());
		});
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
