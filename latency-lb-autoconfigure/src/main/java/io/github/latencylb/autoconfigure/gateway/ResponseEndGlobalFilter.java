package io.github.latencylb.autoconfigure.gateway;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Ends the last attempt of a proxied request when its response is over, body included.
 * {@code NettyRoutingFilter} completes the filter chain as soon as the response headers
 * arrive; the body is written later by {@code NettyWriteResponseFilter}, so what must
 * last as long as the response (the admission permit, the in-flight lease) cannot end in
 * the chain of the filters that took it. This filter runs before
 * {@code NettyWriteResponseFilter}, so its chain ends after the body: completed (the
 * status counts), failed (a body that broke off counts as a failure) or cancelled by the
 * client. It marks the exchange ({@link #SCOPE}), telling the admission and accounting
 * filters to leave the end of a response that arrived to it.
 */
public class ResponseEndGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: just before {@code NettyWriteResponseFilter}, so that this filter's chain
	 * ends when the response body is written.
	 */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

	/**
	 * Attribute: {@link Boolean}, present when this filter will end the last attempt.
	 */
	public static final String SCOPE = "latencylb.responseEnd";

	/**
	 * Return whether the end of this exchange's response is left to this filter.
	 * @param exchange the exchange
	 * @return whether this filter runs for it
	 */
	public static boolean isScoped(ServerWebExchange exchange) {
		return exchange.getAttributes().containsKey(SCOPE);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		exchange.getAttributes().put(SCOPE, Boolean.TRUE);
		Mono<Void> rest;
		try {
			rest = chain.filter(exchange);
		}
		catch (RuntimeException ex) {
			end(exchange, SignalType.ON_ERROR);
			throw ex;
		}
		return rest.doFinally((signal) -> end(exchange, signal));
	}

	private static void end(ServerWebExchange exchange, SignalType signal) {
		Object chosen = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (chosen instanceof LatencyLbResponse response) {
			response.end(toEnd(signal), exchange.getResponse().getStatusCode());
		}
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
