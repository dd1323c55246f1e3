package io.github.latencylb.core;

import java.time.Duration;

/**
 * Outlier ejection of a {@link Scheduler}. Invalid values fail construction with an
 * {@link IllegalArgumentException} naming the field as {@link SchedulerConfig.Builder}
 * calls it.
 *
 * @param consecutiveFailures failures in a row that eject an instance; zero disables
 * ejection
 * @param baseTime first ejection interval; it grows with each ejection
 * @param maxTime longest ejection interval
 * @param maxPercent share of instances that may be ejected at once
 */
public record EjectionConfig(int consecutiveFailures, Duration baseTime, Duration maxTime, int maxPercent) {

	private static final EjectionConfig DEFAULTS = new EjectionConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(5),
			50);

	/**
	 * Validate on construction.
	 */
	public EjectionConfig {
		ConfigChecks.check(consecutiveFailures >= 0, "consecutiveFailures", consecutiveFailures, "zero or positive");
		ConfigChecks.positive(baseTime, "baseEjectionTime");
		ConfigChecks.present(maxTime, "maxEjectionTime");
		ConfigChecks.check(maxTime.compareTo(baseTime) >= 0, "maxEjectionTime", maxTime, "at least baseEjectionTime");
		ConfigChecks.check(maxPercent >= 0 && maxPercent <= 100, "maxEjectionPercent", maxPercent, "between 0 and 100");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static EjectionConfig ofDefaults() {
		return DEFAULTS;
	}

}
