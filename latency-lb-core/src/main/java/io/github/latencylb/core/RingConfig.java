package io.github.latencylb.core;

/**
 * Consistent-hash ring of a {@link Scheduler}. Invalid values fail construction with an
 * {@link IllegalArgumentException} naming the field as {@link SchedulerConfig.Builder}
 * calls it.
 *
 * @param virtualNodes ring points per unit of instance weight
 */
public record RingConfig(int virtualNodes) {

	private static final RingConfig DEFAULTS = new RingConfig(1000);

	/**
	 * Validate on construction.
	 */
	public RingConfig {
		ConfigChecks.check(virtualNodes >= 1 && virtualNodes <= 100_000, "virtualNodes", virtualNodes,
				"between 1 and 100000");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static RingConfig ofDefaults() {
		return DEFAULTS;
	}

}
