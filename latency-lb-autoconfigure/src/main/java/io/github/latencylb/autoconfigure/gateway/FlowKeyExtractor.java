package io.github.latencylb.autoconfigure.gateway;

import java.net.InetSocketAddress;
import java.util.List;

import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.StableHash;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Reads a request's flow key (the first configured cookie, then header, then optionally
 * the client address) and gives only its 64-bit hash to the load balancer (through the
 * request's {@code LatencyLbRequestContext}). The raw value is never stored, logged or
 * exposed. An empty, oversized or malformed value makes the request keyless; it never
 * fails the request. Immutable and thread-safe.
 */
public class FlowKeyExtractor {

	private static final long SEED = 0x1A7E_4C71_B0F1_0001L;

	private final List<String> cookieNames;

	private final List<String> headerNames;

	/** {@code c:<name>=} per cookie name, in order: what is hashed before the value. */
	private final String[] cookiePrefixes;

	/** {@code h:<lower-case name>=} per header name, in order. */
	private final String[] headerPrefixes;

	private final boolean clientIp;

	private final int maxKeyLength;

	/**
	 * Create the extractor.
	 * @param config where to read the key, and its longest accepted value
	 */
	public FlowKeyExtractor(FlowKeyConfig config) {
		this.cookieNames = config.cookieNames();
		this.headerNames = config.headerNames();
		this.cookiePrefixes = this.cookieNames.stream().map((name) -> "c:" + name + "=").toArray(String[]::new);
		this.headerPrefixes = this.headerNames.stream()
			.map((name) -> "h:" + name.toLowerCase(java.util.Locale.ROOT) + "=")
			.toArray(String[]::new);
		this.clientIp = config.clientIp();
		this.maxKeyLength = config.maxKeyLength();
	}

	/**
	 * Return the hash of a request's flow key.
	 * @param request the request
	 * @return the hash, or {@code null} for a keyless request
	 */
	public @Nullable Long flowKeyHash(ServerHttpRequest request) {
		List<String> cookieHeaders = this.cookieNames.isEmpty() ? null : request.getHeaders().get(HttpHeaders.COOKIE);
		if (cookieHeaders != null) {
			for (int i = 0; i < this.cookiePrefixes.length; i++) {
				Long hash = hashOf(this.cookiePrefixes[i], cookieValue(cookieHeaders, this.cookieNames.get(i)));
				if (hash != null) {
					return hash;
				}
			}
		}
		for (int i = 0; i < this.headerPrefixes.length; i++) {
			Long hash = hashOf(this.headerPrefixes[i], request.getHeaders().getFirst(this.headerNames.get(i)));
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

	/**
	 * Find a cookie's value in raw {@code Cookie} headers ({@code name=value} pairs
	 * separated by {@code ;}), without building the request's cookie map: cheaper on the
	 * hot path, and never fails on a malformed header (an unparsable pair is skipped).
	 * Surrounding double quotes are removed.
	 * @param headers the values of the request's {@code Cookie} headers
	 * @param name the cookie name
	 * @return the cookie value, or {@code null} if absent
	 */
	static @Nullable String cookieValue(List<String> headers, String name) {
		// Indexed: no iterator per request.
		for (int h = 0; h < headers.size(); h++) {
			String header = headers.get(h);
			int length = header.length();
			int start = 0;
			while (start < length) {
				int end = header.indexOf(';', start);
				if (end < 0) {
					end = length;
				}
				int from = start;
				while (from < end && Character.isWhitespace(header.charAt(from))) {
					from++;
				}
				// Look for '=' only within this pair (searching past its end made the
				// scan
				// quadratic on headers such as "a;a;a;...").
				int eq = from + name.length();
				if (eq < end && header.charAt(eq) == '=' && !name.isEmpty() && header.startsWith(name, from)) {
					String value = header.substring(eq + 1, end).trim();
					if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
						value = value.substring(1, value.length() - 1);
					}
					return value;
				}
				start = end + 1;
			}
		}
		return null;
	}

	private @Nullable Long hashOf(String prefix, @Nullable String value) {
		if (!acceptable(value)) {
			return null;
		}
		return StableHash.hash(SEED, prefix.concat(value));
	}

	private boolean acceptable(@Nullable String value) {
		if (value == null || value.isEmpty() || value.length() > this.maxKeyLength) {
			return false;
		}
		// At most 3 bytes per char: count only when the limit could be exceeded.
		if ((long) value.length() * 3 > this.maxKeyLength && utf8Length(value, this.maxKeyLength) > this.maxKeyLength) {
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

	/**
	 * Count the UTF-8 bytes of a string without encoding it, stopping once past
	 * {@code limit}. An unpaired surrogate counts as 3 bytes.
	 * @param value the string
	 * @param limit the count that need not be exceeded
	 * @return the byte count, or a number above {@code limit}
	 */
	static int utf8Length(String value, int limit) {
		int length = value.length();
		int bytes = 0;
		for (int i = 0; i < length && bytes <= limit; i++) {
			char c = value.charAt(i);
			if (c < 0x80) {
				bytes++;
			}
			else if (c < 0x800) {
				bytes += 2;
			}
			else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
				bytes += 4;
				i++;
			}
			else {
				bytes += 3;
			}
		}
		return bytes;
	}

}
