package io.github.latencylb.core;

import java.util.List;

/**
 * Where a request's flow key is read: the first configured cookie, then header, then
 * optionally the client address.
 *
 * @param cookieNames cookies to read, in order
 * @param headerNames headers to read, in order, after the cookies
 * @param clientIp whether the client address is the key of last resort
 * @param maxKeyLength longest accepted value, in UTF-8 bytes
 */
public record FlowKeyConfig(List<String> cookieNames, List<String> headerNames, boolean clientIp, int maxKeyLength) {

	/**
	 * Validate the settings.
	 */
	public FlowKeyConfig {
		if (maxKeyLength < 1) {
			throw new IllegalArgumentException("maxKeyLength must be >= 1, was " + maxKeyLength);
		}
		cookieNames = List.copyOf(cookieNames);
		headerNames = List.copyOf(headerNames);
	}

	/**
	 * Return the default settings: cookies {@code SESSION} then {@code JSESSIONID}, no
	 * header, not the client address, values up to 4096 bytes.
	 * @return the defaults
	 */
	public static FlowKeyConfig ofDefaults() {
		return new FlowKeyConfig(List.of("SESSION", "JSESSIONID"), List.of(), false, 4096);
	}

}
