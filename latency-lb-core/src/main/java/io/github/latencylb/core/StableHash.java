package io.github.latencylb.core;

import java.nio.charset.StandardCharsets;

import net.openhft.hashing.LongHashFunction;

/**
 * Stable 64-bit hashing (XXH3, from zero-allocation-hashing): the same input gives the
 * same value on every JVM, replica and restart, unlike {@link String#hashCode()}.
 * Thread-safe.
 */
public final class StableHash {

	private static final LongHashFunction XX3 = LongHashFunction.xx3();

	private StableHash() {
	}

	/**
	 * Hash a string's UTF-8 bytes.
	 * @param value the value
	 * @return its 64-bit hash
	 */
	public static long hash(String value) {
		return XX3.hashBytes(value.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Hash a string's UTF-8 bytes under a seed, so that different purposes get unrelated
	 * values.
	 * @param seed the seed
	 * @param value the value
	 * @return its 64-bit hash
	 */
	public static long hash(long seed, String value) {
		return LongHashFunction.xx3(seed).hashBytes(value.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Hash a long under a seed.
	 * @param seed the seed
	 * @param value the value
	 * @return its 64-bit hash
	 */
	public static long hash(long seed, long value) {
		return LongHashFunction.xx3(seed).hashLong(value);
	}

	/**
	 * Map a hash to a uniform fraction in {@code [0, 1)}.
	 * @param hash a 64-bit hash
	 * @return the fraction
	 */
	public static double unitInterval(long hash) {
		return (hash >>> 11) * 0x1.0p-53;
	}

}
