package io.github.latencylb.autoconfigure.admission;

import java.net.URI;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the attempts of a request read from and reset in Gateway's exchange.
 */
final class GatewayExchanges {

	private GatewayExchanges() {
	}

	/**
	 * Return whether the response headers say server-sent events.
	 * @param exchange the exchange
	 * @return whether the response is an event stream
	 */
	static boolean isEventStream(ServerWebExchange exchange) {
		// The backend's headers as Reactor Netty received them, when Gateway's Netty
		// routing filter proxied the request: read by a constant header name whose hash
		// is cached, unlike a lookup through the exchange's response headers by string.
		Object client = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		String raw = (client instanceof HttpClientResponse response)
				? response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE)
				: exchange.getResponse().getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
		return isEventStream(raw);
	}

	/**
	 * Return whether a {@code Content-Type} value says server-sent events.
	 * @param raw the header value, or {@code null}
	 * @return whether it is an event stream
	 */
	static boolean isEventStream(@Nullable String raw) {
		if (raw == null || (raw.indexOf('*') < 0 && !containsIgnoringCase(raw, "event-stream"))) {
			// Only a wildcard or an event-stream subtype can be compatible: most
			// responses are told apart without parsing their media type.
			return false;
		}
		try {
			MediaType type = MediaType.parseMediaType(raw);
			return type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type);
		}
		catch (RuntimeException ex) {
			// An invalid Content-Type from the backend is not a stream.
			return false;
		}
	}

	private static boolean containsIgnoringCase(String text, String part) {
		for (int i = 0; i + part.length() <= text.length(); i++) {
			if (text.regionMatches(true, i, part, 0, part.length())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Drop what a failed attempt left in the exchange (its connection, response and
	 * choice), so that the next attempt is routed afresh from the {@code lb} URL.
	 * @param exchange the exchange
	 * @param url the request's {@code lb} URL
	 */
	static void resetForRetry(ServerWebExchange exchange, URI url) {
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (connection != null) {
			connection.dispose();
		}
		ServerWebExchangeUtils.reset(exchange);
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		exchange.getResponse().setStatusCode(null);
	}

}
