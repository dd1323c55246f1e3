package io.github.latencylb.core;

/**
 * Bounded-load cap of a {@link Scheduler} (consistent hashing with bounded loads).
 * Invalid values fail construction with an {@link IllegalArgumentException} naming the
 * field as {@link SchedulerConfig.Builder} calls it.
 *
 * @param balanceFactor bounded-load factor {@code c}: an instance takes new flows while
 * its in-flight count stays within {@code ceil(c x (total in-flight + 1) / n)}, scaled by
 * weight
 * @param minSlots floor of the bounded-load cap, so that low concurrency never triggers
 * it
 */
public record BoundedLoadConfig(double balanceFactor, int minSlots) {

	private static final BoundedLoadConfig DEFAULTS = new BoundedLoadConfig(1.25, 8);

	/**
	 * Validate on construction.
	 */
	public BoundedLoadConfig {
		ConfigChecks.check(balanceFactor > 1.0 && Double.isFinite(balanceFactor), "balanceFactor", balanceFactor,
				"finite and greater than 1");
		ConfigChecks.check(minSlots >= 1, "minSlots", minSlots, "at least 1");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static BoundedLoadConfig ofDefaults() {
		return DEFAULTS;
	}

}
