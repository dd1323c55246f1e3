package io.github.latencylb.core;

import java.time.Duration;

/**
 * Slow start of new instances in a {@link Scheduler}. Invalid values fail construction
 * with an {@link IllegalArgumentException} naming the field as
 * {@link SchedulerConfig.Builder} calls it.
 *
 * @param duration how long a newly seen instance's weight ramps up; zero disables
 * @param minWeight weight fraction a newly seen instance starts with
 * @param settlePeriod instances that join within this time after the service's first
 * non-empty instance list start warm, as that list's instances do; zero puts every
 * instance after the first list into slow start
 */
public record SlowStartConfig(Duration duration, double minWeight, Duration settlePeriod) {

	private static final SlowStartConfig DEFAULTS = new SlowStartConfig(Duration.ofSeconds(30), 0.1,
			Duration.ofSeconds(10));

	/**
	 * Validate on construction.
	 */
	public SlowStartConfig {
		ConfigChecks.notNegative(duration, "slowStartDuration");
		ConfigChecks.check(minWeight > 0 && minWeight <= 1, "slowStartMinWeight", minWeight, "in (0, 1]");
		ConfigChecks.notNegative(settlePeriod, "slowStartSettlePeriod");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static SlowStartConfig ofDefaults() {
		return DEFAULTS;
	}

}
