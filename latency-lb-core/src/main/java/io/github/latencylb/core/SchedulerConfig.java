package io.github.latencylb.core;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Immutable, validated configuration of one service's {@link Scheduler}. Build it with
 * {@link #custom()} or {@link #from(SchedulerConfig)}; {@link #ofDefaults()} gives the
 * documented defaults. Invalid values fail {@link Builder#build()} with an
 * {@link IllegalArgumentException} naming the field.
 *
 * @param virtualNodes ring points per unit of instance weight
 * @param balanceFactor bounded-load factor {@code c}: an instance takes new flows while
 * its in-flight count stays within {@code ceil(c x (total in-flight + 1) / n)}, scaled by
 * weight
 * @param minSlots floor of the bounded-load cap, so that low concurrency never triggers
 * it
 * @param latencyDecay time constant of the peak EWMA's decay
 * @param latencyWindow length of the window for percentiles and the robust (median)
 * signal
 * @param minSamples samples an instance needs in the window before it can be judged slow
 * @param failurePenalty latency recorded for a failed call if it failed faster than this
 * @param latencyFactor an instance is slow when its windowed median exceeds this factor
 * times the fleet's median
 * @param minSlowLatency absolute floor of the slowness threshold, against microsecond
 * noise
 * @param stuckFactor an instance is also slow (stuck) when two of its requests have been
 * outstanding for longer than this factor times the slowness threshold and it recorded no
 * response since they started
 * @param candidates distinct instances after home on the ring considered for a fallback
 * @param nearEqualTolerance candidates whose score is within this fraction of the best
 * are chosen by rendezvous hashing on the flow key, against herding
 * @param maxMovesPerSecond how many existing flows per second may leave a slow (but
 * available) instance
 * @param maxFlows bound of the flow table
 * @param idleTimeout a flow with no request for this long is forgotten and goes home
 * again
 * @param slowStartDuration how long a newly seen instance's weight ramps up; zero
 * disables
 * @param slowStartMinWeight weight fraction a newly seen instance starts with
 * @param consecutiveFailures failures in a row that eject an instance; zero disables
 * ejection
 * @param baseEjectionTime first ejection interval; it grows with each ejection
 * @param maxEjectionTime longest ejection interval
 * @param maxEjectionPercent share of instances that may be ejected at once
 * @param refreshInterval how often fleet-wide state (medians, slowness) is recomputed
 * @param slowStartSettlePeriod instances that join within this time after the service's
 * first non-empty instance list start warm, as that list's instances do (instance-list
 * suppliers such as active health checks may emit the instances present at start-up over
 * several lists); zero puts every instance after the first list into slow start
 */
public record SchedulerConfig(int virtualNodes, double balanceFactor, int minSlots, Duration latencyDecay,
		Duration latencyWindow, int minSamples, Duration failurePenalty, double latencyFactor, Duration minSlowLatency,
		double stuckFactor, int candidates, double nearEqualTolerance, double maxMovesPerSecond, long maxFlows,
		Duration idleTimeout, Duration slowStartDuration, double slowStartMinWeight, int consecutiveFailures,
		Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent, Duration refreshInterval,
		Duration slowStartSettlePeriod) {

	private static final SchedulerConfig DEFAULTS = new Builder().build();

	/**
	 * Validate on construction.
	 */
	public SchedulerConfig {
		present(latencyDecay, "latencyDecay");
		present(latencyWindow, "latencyWindow");
		present(failurePenalty, "failurePenalty");
		present(minSlowLatency, "minSlowLatency");
		present(idleTimeout, "idleTimeout");
		present(slowStartDuration, "slowStartDuration");
		present(baseEjectionTime, "baseEjectionTime");
		present(maxEjectionTime, "maxEjectionTime");
		present(refreshInterval, "refreshInterval");
		present(slowStartSettlePeriod, "slowStartSettlePeriod");
		check(virtualNodes >= 1 && virtualNodes <= 100_000, "virtualNodes", virtualNodes, "between 1 and 100000");
		check(balanceFactor > 1.0 && Double.isFinite(balanceFactor), "balanceFactor", balanceFactor,
				"finite and greater than 1");
		check(minSlots >= 1, "minSlots", minSlots, "at least 1");
		check(positive(latencyDecay), "latencyDecay", latencyDecay, "positive");
		check(positive(latencyWindow), "latencyWindow", latencyWindow, "positive");
		check(minSamples >= 1, "minSamples", minSamples, "at least 1");
		check(!failurePenalty.isNegative(), "failurePenalty", failurePenalty, "zero or positive");
		check(latencyFactor > 1.0 && Double.isFinite(latencyFactor), "latencyFactor", latencyFactor,
				"finite and greater than 1");
		check(!minSlowLatency.isNegative(), "minSlowLatency", minSlowLatency, "zero or positive");
		check(stuckFactor >= 1.0 && Double.isFinite(stuckFactor), "stuckFactor", stuckFactor, "finite and at least 1");
		check(candidates >= 1, "candidates", candidates, "at least 1");
		check(nearEqualTolerance >= 0 && nearEqualTolerance < 1, "nearEqualTolerance", nearEqualTolerance, "in [0, 1)");
		// Infinity would turn the move limiter's tokens into NaN.
		check(maxMovesPerSecond > 0 && Double.isFinite(maxMovesPerSecond), "maxMovesPerSecond", maxMovesPerSecond,
				"finite and positive");
		check(maxFlows >= 1 && maxFlows <= (1L << 31), "maxFlows", maxFlows, "between 1 and 2^31");
		check(positive(idleTimeout), "idleTimeout", idleTimeout, "positive");
		check(!slowStartDuration.isNegative(), "slowStartDuration", slowStartDuration, "zero or positive");
		check(slowStartMinWeight > 0 && slowStartMinWeight <= 1, "slowStartMinWeight", slowStartMinWeight, "in (0, 1]");
		check(consecutiveFailures >= 0, "consecutiveFailures", consecutiveFailures, "zero or positive");
		check(positive(baseEjectionTime), "baseEjectionTime", baseEjectionTime, "positive");
		check(maxEjectionTime.compareTo(baseEjectionTime) >= 0, "maxEjectionTime", maxEjectionTime,
				"at least baseEjectionTime");
		check(maxEjectionPercent >= 0 && maxEjectionPercent <= 100, "maxEjectionPercent", maxEjectionPercent,
				"between 0 and 100");
		check(positive(refreshInterval), "refreshInterval", refreshInterval, "positive");
		check(!slowStartSettlePeriod.isNegative(), "slowStartSettlePeriod", slowStartSettlePeriod, "zero or positive");
	}

	/**
	 * Return the defaults.
	 * @return the default configuration
	 */
	public static SchedulerConfig ofDefaults() {
		return DEFAULTS;
	}

	/**
	 * Start from the defaults.
	 * @return a builder
	 */
	public static Builder custom() {
		return new Builder();
	}

	/**
	 * Start from an existing configuration.
	 * @param base the configuration to copy
	 * @return a builder
	 */
	public static Builder from(SchedulerConfig base) {
		return new Builder(base);
	}

	/**
	 * Copy this configuration with changes.
	 * @param changes what to change
	 * @return the new configuration
	 */
	public SchedulerConfig with(Consumer<Builder> changes) {
		Builder builder = from(this);
		changes.accept(builder);
		return builder.build();
	}

	private static boolean positive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	private static void present(Object value, String field) {
		check(value != null, field, null, "set");
	}

	private static void check(boolean ok, String field, Object value, String expected) {
		if (!ok) {
			throw new IllegalArgumentException(field + " must be " + expected + " but was " + value);
		}
	}

	/**
	 * Mutable builder of {@link SchedulerConfig}; not thread-safe.
	 */
	public static final class Builder {

		// @formatter:off
		public int virtualNodes = 1000;
		public double balanceFactor = 1.25;
		public int minSlots = 8;
		public Duration latencyDecay = Duration.ofSeconds(10);
		public Duration latencyWindow = Duration.ofSeconds(10);
		public int minSamples = 20;
		public Duration failurePenalty = Duration.ofSeconds(1);
		public double latencyFactor = 2.0;
		public Duration minSlowLatency = Duration.ofMillis(2);
		public double stuckFactor = 10.0;
		public int candidates = 3;
		public double nearEqualTolerance = 0.10;
		public double maxMovesPerSecond = 100;
		public long maxFlows = 1_000_000;
		public Duration idleTimeout = Duration.ofMinutes(30);
		public Duration slowStartDuration = Duration.ofSeconds(30);
		public double slowStartMinWeight = 0.1;
		public int consecutiveFailures = 5;
		public Duration baseEjectionTime = Duration.ofSeconds(30);
		public Duration maxEjectionTime = Duration.ofMinutes(5);
		public int maxEjectionPercent = 50;
		public Duration refreshInterval = Duration.ofMillis(100);
		public Duration slowStartSettlePeriod = Duration.ofSeconds(10);
		// @formatter:on

		Builder() {
		}

		Builder(SchedulerConfig c) {
			this.virtualNodes = c.virtualNodes;
			this.balanceFactor = c.balanceFactor;
			this.minSlots = c.minSlots;
			this.latencyDecay = c.latencyDecay;
			this.latencyWindow = c.latencyWindow;
			this.minSamples = c.minSamples;
			this.failurePenalty = c.failurePenalty;
			this.latencyFactor = c.latencyFactor;
			this.minSlowLatency = c.minSlowLatency;
			this.stuckFactor = c.stuckFactor;
			this.candidates = c.candidates;
			this.nearEqualTolerance = c.nearEqualTolerance;
			this.maxMovesPerSecond = c.maxMovesPerSecond;
			this.maxFlows = c.maxFlows;
			this.idleTimeout = c.idleTimeout;
			this.slowStartDuration = c.slowStartDuration;
			this.slowStartMinWeight = c.slowStartMinWeight;
			this.consecutiveFailures = c.consecutiveFailures;
			this.baseEjectionTime = c.baseEjectionTime;
			this.maxEjectionTime = c.maxEjectionTime;
			this.maxEjectionPercent = c.maxEjectionPercent;
			this.refreshInterval = c.refreshInterval;
			this.slowStartSettlePeriod = c.slowStartSettlePeriod;
		}

		/**
		 * Build and validate.
		 * @return the configuration
		 * @throws IllegalArgumentException naming the first invalid field
		 */
		public SchedulerConfig build() {
			return new SchedulerConfig(this.virtualNodes, this.balanceFactor, this.minSlots, this.latencyDecay,
					this.latencyWindow, this.minSamples, this.failurePenalty, this.latencyFactor, this.minSlowLatency,
					this.stuckFactor, this.candidates, this.nearEqualTolerance, this.maxMovesPerSecond, this.maxFlows,
					this.idleTimeout, this.slowStartDuration, this.slowStartMinWeight, this.consecutiveFailures,
					this.baseEjectionTime, this.maxEjectionTime, this.maxEjectionPercent, this.refreshInterval,
					this.slowStartSettlePeriod);
		}

	}

}
