package io.github.latencylb.core;

import java.time.Duration;

/**
 * Flow affinity of a {@link Scheduler}: the flow table's bound and idle timeout. Invalid
 * values fail construction with an {@link IllegalArgumentException} naming the field as
 * {@link SchedulerConfig.Builder} calls it.
 *
 * @param maxFlows bound of the flow table
 * @param idleTimeout a flow with no request for this long is forgotten and goes home
 * again
 */
public record AffinityConfig(long maxFlows, Duration idleTimeout) {

	private static final AffinityConfig DEFAULTS = new AffinityConfig(1_000_000, Duration.ofMinutes(30));

	/**
	 * Validate on construction.
	 */
	public AffinityConfig {
		ConfigChecks.check(maxFlows >= 1 && maxFlows <= (1L << 31), "maxFlows", maxFlows, "between 1 and 2^31");
		ConfigChecks.positive(idleTimeout, "idleTimeout");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static AffinityConfig ofDefaults() {
		return DEFAULTS;
	}

}
