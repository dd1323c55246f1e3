package io.github.latencylb.core;

import java.util.random.RandomGenerator;

/**
 * Slow start: a newly seen instance's weight ramps from {@code minWeight} to 1 over the
 * slow-start duration ({@link #warmth}); meanwhile it takes a new flow only for the keys
 * whose stable hash falls within its warmth ({@link #admitsFlow}), so replicas agree, and
 * takes part in a keyless draw with probability equal to its warmth ({@link #takesPart}).
 */
final class SlowStartGate {

	private static final long WARM_SEED = 0x5EED_57A7_0000_0001L;

	private SlowStartGate() {
	}

	/**
	 * Fraction of its weight an instance has, in {@code [minWeight, 1]}.
	 * @param instance the instance
	 * @param nowNanos the current time
	 * @param config the slow-start configuration
	 * @return the warmth
	 */
	static double warmth(InstanceStats instance, long nowNanos, SlowStartConfig config) {
		if (instance.warmFromStart) {
			return 1.0;
		}
		long duration = config.duration().toNanos();
		if (duration == 0) {
			return 1.0;
		}
		double f = (double) (nowNanos - instance.firstSeenNanos) / duration;
		return (f >= 1.0) ? 1.0 : Math.max(config.minWeight(), f);
	}

	/**
	 * Whether a warming instance takes the new flow of a key.
	 * @param warmth the instance's warmth
	 * @param keyHash the hash of the flow key
	 * @return whether the instance takes the flow
	 */
	static boolean admitsFlow(double warmth, long keyHash) {
		return warmth >= 1.0 || StableHash.unitInterval(StableHash.hash(WARM_SEED, keyHash)) < warmth;
	}

	/**
	 * Whether a warming instance takes part in one keyless draw.
	 * @param warmth the instance's warmth
	 * @param random the random source of the draw
	 * @return whether the instance takes part
	 */
	static boolean takesPart(double warmth, RandomGenerator random) {
		return warmth >= 1.0 || random.nextDouble() < warmth;
	}

}
