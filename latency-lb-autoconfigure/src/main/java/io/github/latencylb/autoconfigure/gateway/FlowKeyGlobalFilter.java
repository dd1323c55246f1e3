package io.github.latencylb.autoconfigure.gateway;

import java.net.InetSocketAddress;
import java.util.List;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import io.github.latencylb.core.StableHash;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Reads a request's flow key (the first configured cookie, then header, then optionally
 * the client address) and passes only its 64-bit hash to the load balancer, in
 * {@link LatencyLbAttributes#FLOW_KEY_HASH}. The raw value is never stored, logged or
 * exposed. An empty, oversized or malformed value makes the request keyless; it never
 * fails the request.
 */
public class FlowKeyGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: just before the load-balancer filter.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 50;

	private static final long SEED = 0x1A7E_4C71_B0F1_0001L;

	private final List<String> cookieNames;

	private final List<String> headerNames;

	private final boolean clientIp;

	private final int maxKeyLength;

	/**
	 * Create the filter.
	 * @param cookieNames cookies to read, in order
	 * @param headerNames headers to read, in order, after the cookies
	 * @param clientIp whether the client address is the key of last resort
	 * @param maxKeyLength longest accepted value, in characters
	 */
	public FlowKeyGlobalFilter(List<String> cookieNames, List<String> headerNames, boolean clientIp, int maxKeyLength) {
		this.cookieNames = List.copyOf(cookieNames);
		this.headerNames = List.copyOf(headerNames);
		this.clientIp = clientIp;
		this.maxKeyLength = maxKeyLength;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Long hash = flowKeyHash(exchange.getRequest());
		if (hash != null) {
			exchange.getAttributes().put(LatencyLbAttributes.FLOW_KEY_HASH, hash);
		}
		else {
			exchange.getAttributes().remove(LatencyLbAttributes.FLOW_KEY_HASH);
		}
		return chain.filter(exchange);
	}

	/**
	 * Return the hash of a request's flow key.
	 * @param request the request
	 * @return the hash, or {@code null} for a keyless request
	 */
	public @Nullable Long flowKeyHash(ServerHttpRequest request) {
		for (String name : this.cookieNames) {
			HttpCookie cookie;
			try {
				cookie = request.getCookies().getFirst(name);
			}
			catch (RuntimeException ex) {
				// A Cookie header the server cannot parse: treat as keyless.
				return null;
			}
			if (cookie != null) {
				Long hash = hashOf("c:" + name, cookie.getValue());
				if (hash != null) {
					return hash;
				}
			}
		}
		for (String name : this.headerNames) {
			Long hash = hashOf("h:" + name.toLowerCase(java.util.Locale.ROOT), request.getHeaders().getFirst(name));
			if (hash != null) {
				return hash;
			}
		}
		if (this.clientIp) {
			InetSocketAddress remote = request.getRemoteAddress();
			if (remote != null && remote.getAddress() != null) {
				return StableHash.hash(SEED, "ip:" + remote.getAddress().getHostAddress());
			}
		}
		return null;
	}

	private @Nullable Long hashOf(String source, @Nullable String value) {
		if (!acceptable(value)) {
			return null;
		}
		return StableHash.hash(SEED, source + "=" + value);
	}

	private boolean acceptable(@Nullable String value) {
		if (value == null || value.isEmpty() || value.length() > this.maxKeyLength) {
			return false;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < 0x20 || c == 0x7f) {
				return false;
			}
		}
		return !value.isBlank();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
