package io.github.latencylb.core;

/**
 * How a {@link Scheduler} ranks fallback candidates on the ring. Invalid values fail
 * construction with an {@link IllegalArgumentException} naming the field as
 * {@link SchedulerConfig.Builder} calls it.
 *
 * @param candidates distinct instances after home on the ring considered for a fallback
 * @param nearEqualTolerance candidates whose score is within this fraction of the best
 * are chosen by rendezvous hashing on the flow key, against herding
 */
public record FallbackConfig(int candidates, double nearEqualTolerance) {

	private static final FallbackConfig DEFAULTS = new FallbackConfig(3, 0.10);

	/**
	 * Validate on construction.
	 */
	public FallbackConfig {
		ConfigChecks.check(candidates >= 1, "candidates", candidates, "at least 1");
		ConfigChecks.check(nearEqualTolerance >= 0 && nearEqualTolerance < 1, "nearEqualTolerance", nearEqualTolerance,
				"in [0, 1)");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static FallbackConfig ofDefaults() {
		return DEFAULTS;
	}

}
