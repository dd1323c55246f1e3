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

	/**
	 * Seeded functions recently used, by seed: building one derives a secret per seed.
	 */
	private static final Seeded[] SEEDED = new Seeded[16];

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
		return seeded(seed).hashBytes(value.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Hash a long under a seed.
	 * @param seed the seed
	 * @param value the value
	 * @return its 64-bit hash
	 */
	public static long hash(long seed, long value) {
		return seeded(seed).hashLong(value);
	}

	/**
	 * Map a hash to a uniform fraction in {@code [0, 1)}.
	 * @param hash a 64-bit hash
	 * @return the fraction
	 */
	public static double unitInterval(long hash) {
		return (hash >>> 11) * 0x1.0p-53;
	}

	private static LongHashFunction seeded(long seed) {
		int slot = (int) (seed ^ (seed >>> 32)) & (SEEDED.length - 1);
		Seeded cached = SEEDED[slot];
		if (cached == null || cached.seed() != seed) {
			// A racy cache of immutable entries: at worst a function is built twice.
			cached = new Seeded(seed, LongHashFunction.xx3(seed));
			SEEDED[slot] = cached;
		}
		return cached.function();
	}

	private record Seeded(long seed, LongHashFunction function) {
	}

}
