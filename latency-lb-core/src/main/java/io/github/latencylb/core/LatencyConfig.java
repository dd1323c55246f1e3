package io.github.latencylb.core;

import java.time.Duration;

/**
 * Latency measurement of a {@link Scheduler}: peak EWMA and windowed percentiles. Invalid
 * values fail construction with an {@link IllegalArgumentException} naming the field as
 * {@link SchedulerConfig.Builder} calls it.
 *
 * @param decay time constant of the peak EWMA's decay
 * @param window length of the window for percentiles and the robust (median) signal
 * @param minSamples samples an instance needs in the window before it can be judged slow
 * @param failurePenalty latency recorded for a failed call if it failed faster than this
 */
public record LatencyConfig(Duration decay, Duration window, int minSamples, Duration failurePenalty) {

	private static final LatencyConfig DEFAULTS = new LatencyConfig(Duration.ofSeconds(10), Duration.ofSeconds(10), 20,
			Duration.ofSeconds(1));

	/**
	 * Validate on construction.
	 */
	public LatencyConfig {
		ConfigChecks.positive(decay, "latencyDecay");
		ConfigChecks.positive(window, "latencyWindow");
		ConfigChecks.check(minSamples >= 1, "minSamples", minSamples, "at least 1");
		ConfigChecks.notNegative(failurePenalty, "failurePenalty");
	}

	/**
	 * Return the documented defaults.
	 * @return the defaults
	 */
	public static LatencyConfig ofDefaults() {
		return DEFAULTS;
	}

}
