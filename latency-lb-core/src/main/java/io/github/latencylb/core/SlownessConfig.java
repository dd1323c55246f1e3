package io.github.latencylb.core;

import java.time.Duration;

/**
 * When a {@link Scheduler} judges an instance slow. Invalid values fail construction with
 * an {@link IllegalArgumentException} naming the field as {@link SchedulerConfig.Builder}
 * calls it.
 *
 * @param latencyFactor an instance is slow when its windowed median exceeds this factor
 * times the fleet's median
 * @param minSlowLatency absolute floor of the slowness threshold, against microsecond
 * noise
 * @param stuckFactor an instance is also slow (stuck) when two of its requests have been
 * outstanding for longer than this factor times the slowness threshold and it recorded no
 * response since they started
 */
public record SlownessConfig(double latencyFactor, Duration minSlowLatency, double stuckFactor) {

	private static final SlownessConfig DEFAULTS = new SlownessConfig(2.0, Duration.ofMillis(2), 10.0);

	/**
	 * Validate on construction.
	 */
	public SlownessConfig {
		ConfigChecks.check(latencyFactor > 1.0 && Double.isFinite(latencyFactor), "latencyFactor", latencyFactor,
				"finite and greater than 1");
		ConfigChecks.notNegative(minSlowLatency, "minSlowLatency");
		ConfigChecks.check(stuckFactor >= 1.0 && Double.isFinite(stuckFactor), "stuckFactor", stuckFactor,
				"finite and at least 1");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static SlownessConfig ofDefaults() {
		return DEFAULTS;
	}

}
