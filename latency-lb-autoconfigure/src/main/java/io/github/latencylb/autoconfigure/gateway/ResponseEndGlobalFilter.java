package io.github.latencylb.autoconfigure.gateway;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * The first of latency-lb's two global filters: for a route to {@code lb:} (and only for
 * those; any other route passes straight through), it creates the request's
 * {@link LatencyLbRequestContext} and ends the request's last attempt when its response
 * is over, body included. {@code NettyRoutingFilter} completes the filter chain as soon
 * as the response headers arrive; the body is written later by
 * {@code NettyWriteResponseFilter}, so what must last as long as the response (the
 * admission permit, the in-flight lease) cannot end in the chain of the filters that took
 * it. This filter runs before {@code NettyWriteResponseFilter}, so its chain ends after
 * the body: completed (the status counts), failed (a body that broke off counts as a
 * failure) or cancelled by the client.
 */
public class ResponseEndGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: before {@code NettyWriteResponseFilter} (-1) and Gateway's local response
	 * cache (-2), so that this filter's chain ends when the response body is written.
	 */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 10;

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (route == null || !"lb".equals(route.getUri().getScheme())) {
			return chain.filter(exchange);
		}
		LatencyLbRequestContext context = new LatencyLbRequestContext(true);
		exchange.getAttributes().put(LatencyLbRequestContext.ATTRIBUTE, context);
		Mono<Void> rest;
		try {
			rest = chain.filter(exchange);
		}
		catch (RuntimeException ex) {
			context.endAttempt(LatencyLbResponse.End.FAILURE, null);
			throw ex;
		}
		return rest.doFinally((signal) -> context.endAttempt(toEnd(signal), exchange.getResponse().getStatusCode()));
	}

	/**
	 * How a signal ends an attempt.
	 * @param signal the terminal signal
	 * @return the end
	 */
	public static LatencyLbResponse.End toEnd(SignalType signal) {
		return switch (signal) {
			case ON_ERROR -> LatencyLbResponse.End.FAILURE;
			case CANCEL -> LatencyLbResponse.End.CANCELLED;
			default -> LatencyLbResponse.End.COMPLETE;
		};
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
