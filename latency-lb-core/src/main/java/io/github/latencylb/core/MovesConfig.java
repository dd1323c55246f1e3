package io.github.latencylb.core;

/**
 * How fast a {@link Scheduler} moves flows off slow instances. Invalid values fail
 * construction with an {@link IllegalArgumentException} naming the field as
 * {@link SchedulerConfig.Builder} calls it.
 *
 * @param maxMovesPerSecond how many existing flows per second may leave a slow (but
 * available) instance
 */
public record MovesConfig(double maxMovesPerSecond) {

	private static final MovesConfig DEFAULTS = new MovesConfig(100);

	/**
	 * Validate on construction.
	 */
	public MovesConfig {
		// Infinity would turn the token bucket's tokens into NaN.
		ConfigChecks.check(maxMovesPerSecond > 0 && Double.isFinite(maxMovesPerSecond), "maxMovesPerSecond",
				maxMovesPerSecond, "finite and positive");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static MovesConfig ofDefaults() {
		return DEFAULTS;
	}

}
