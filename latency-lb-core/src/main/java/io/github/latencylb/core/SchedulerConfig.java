package io.github.latencylb.core;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Immutable, validated configuration of one service's {@link Scheduler}, nested per
 * concern; each part has its own {@code ofDefaults()}, where the defaults are written.
 * Build it with {@link #custom()} or {@link #from(SchedulerConfig)} (a flat builder);
 * {@link #ofDefaults()} gives the documented defaults. Invalid values fail with an
 * {@link IllegalArgumentException} naming the builder's field.
 *
 * @param ring the ring part
 * @param boundedLoad the boundedLoad part
 * @param latency the latency part
 * @param slowness the slowness part
 * @param fallback the fallback part
 * @param moves the moves part
 * @param affinity the affinity part
 * @param slowStart the slowStart part
 * @param ejection the ejection part
 * @param refreshInterval how often fleet-wide state (medians, slowness) is recomputed
 * @param cusum the sequential slowness test's part
 * @param flowWait the part deciding whether a flow waits at its full home or overflows
 */
public record SchedulerConfig(RingConfig ring, BoundedLoadConfig boundedLoad, LatencyConfig latency,
		SlownessConfig slowness, FallbackConfig fallback, MovesConfig moves, AffinityConfig affinity,
		SlowStartConfig slowStart, EjectionConfig ejection, Duration refreshInterval, CusumConfig cusum,
		FlowWaitConfig flowWait) implements SchedulerConfigShortcuts {

	private static final SchedulerConfig DEFAULTS = new SchedulerConfig(RingConfig.ofDefaults(),
			BoundedLoadConfig.ofDefaults(), LatencyConfig.ofDefaults(), SlownessConfig.ofDefaults(),
			FallbackConfig.ofDefaults(), MovesConfig.ofDefaults(), AffinityConfig.ofDefaults(),
			SlowStartConfig.ofDefaults(), EjectionConfig.ofDefaults(), Duration.ofMillis(100), CusumConfig.ofDefaults(),
			FlowWaitConfig.ofDefaults());

	/**
	 * Validate on construction.
	 */
	public SchedulerConfig {
		ConfigChecks.present(ring, "ring");
		ConfigChecks.present(boundedLoad, "boundedLoad");
		ConfigChecks.present(latency, "latency");
		ConfigChecks.present(slowness, "slowness");
		ConfigChecks.present(fallback, "fallback");
		ConfigChecks.present(moves, "moves");
		ConfigChecks.present(affinity, "affinity");
		ConfigChecks.present(slowStart, "slowStart");
		ConfigChecks.present(ejection, "ejection");
		ConfigChecks.positive(refreshInterval, "refreshInterval");
		ConfigChecks.present(cusum, "cusum");
		ConfigChecks.present(flowWait, "flowWait");
	}

	/**
	 * Create a configuration with the default {@link CusumConfig} and
	 * {@link FlowWaitConfig} (the parts issue 9 added).
	 * @param ring the ring part
	 * @param boundedLoad the boundedLoad part
	 * @param latency the latency part
	 * @param slowness the slowness part
	 * @param fallback the fallback part
	 * @param moves the moves part
	 * @param affinity the affinity part
	 * @param slowStart the slowStart part
	 * @param ejection the ejection part
	 * @param refreshInterval how often fleet-wide state is recomputed
	 */
	public SchedulerConfig(RingConfig ring, BoundedLoadConfig boundedLoad, LatencyConfig latency,
			SlownessConfig slowness, FallbackConfig fallback, MovesConfig moves, AffinityConfig affinity,
			SlowStartConfig slowStart, EjectionConfig ejection, Duration refreshInterval) {
		this(ring, boundedLoad, latency, slowness, fallback, moves, affinity, slowStart, ejection, refreshInterval,
				CusumConfig.ofDefaults(), FlowWaitConfig.ofDefaults());
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
		return new Builder(DEFAULTS);
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

	/**
	 * Mutable flat builder of {@link SchedulerConfig}, starting from a copy of a
	 * configuration; not thread-safe.
	 */
	public static final class Builder {

		// @formatter:off
		/** Ring points per unit of instance weight: {@link RingConfig#virtualNodes()}. */
		public int virtualNodes;
		/** Bounded-load factor: {@link BoundedLoadConfig#balanceFactor()}. */
		public double balanceFactor;
		/** Floor of the bounded-load cap: {@link BoundedLoadConfig#minSlots()}. */
		public int minSlots;
		/** Time constant of the peak EWMA: {@link LatencyConfig#decay()}. */
		public Duration latencyDecay;
		/** Window of percentiles and medians: {@link LatencyConfig#window()}. */
		public Duration latencyWindow;
		/** Samples needed before an instance can be judged slow: {@link LatencyConfig#minSamples()}. */
		public int minSamples;
		/** Least latency recorded for a failed call: {@link LatencyConfig#failurePenalty()}. */
		public Duration failurePenalty;
		/** Median over fleet median that makes an instance slow: {@link SlownessConfig#latencyFactor()}. */
		public double latencyFactor;
		/** Floor of the slowness threshold: {@link SlownessConfig#minSlowLatency()}. */
		public Duration minSlowLatency;
		/** Unanswered age over the threshold that makes an instance stuck: {@link SlownessConfig#stuckFactor()}. */
		public double stuckFactor;
		/** Instances after home considered for a fallback: {@link FallbackConfig#candidates()}. */
		public int candidates;
		/** Score fraction within which candidates tie: {@link FallbackConfig#nearEqualTolerance()}. */
		public double nearEqualTolerance;
		/** Existing flows per second that may leave a slow instance: {@link MovesConfig#maxMovesPerSecond()}. */
		public double maxMovesPerSecond;
		/** Bound of the flow table: {@link AffinityConfig#maxFlows()}. */
		public long maxFlows;
		/** Idle time after which a flow is forgotten: {@link AffinityConfig#idleTimeout()}. */
		public Duration idleTimeout;
		/** Ramp-up time of a new instance's weight: {@link SlowStartConfig#duration()}. */
		public Duration slowStartDuration;
		/** Weight fraction a new instance starts with: {@link SlowStartConfig#minWeight()}. */
		public double slowStartMinWeight;
		/** Time after the first list in which joiners skip slow start: {@link SlowStartConfig#settlePeriod()}. */
		public Duration slowStartSettlePeriod;
		/** Failures in a row that eject an instance: {@link EjectionConfig#consecutiveFailures()}. */
		public int consecutiveFailures;
		/** First ejection interval: {@link EjectionConfig#baseTime()}. */
		public Duration baseEjectionTime;
		/** Longest ejection interval: {@link EjectionConfig#maxTime()}. */
		public Duration maxEjectionTime;
		/** Share of instances that may be ejected at once: {@link EjectionConfig#maxPercent()}. */
		public int maxEjectionPercent;
		/** How often fleet-wide state is recomputed: {@link SchedulerConfig#refreshInterval()}. */
		public Duration refreshInterval;
		/** Latency ratio to the fleet median that is no evidence: {@link CusumConfig#referenceRatio()}. */
		public double cusumReferenceRatio;
		/** Statistic at which an instance is slow: {@link CusumConfig#threshold()}. */
		public double cusumThreshold;
		/** Statistic at which a slow instance clears: {@link CusumConfig#clearThreshold()}. */
		public double cusumClearThreshold;
		/** Age in fleet medians from which an outstanding request counts: {@link CusumConfig#outstandingFactor()}. */
		public double cusumOutstandingFactor;
		/** A flow's wait budget in fleet p95s: {@link FlowWaitConfig#budgetFactor()}. */
		public double waitBudgetFactor;
		/** Least wait budget of a flow: {@link FlowWaitConfig#minBudgetNanos()}. */
		public Duration minWaitBudget;
		/** Budgets of wait past which an instance is overloaded: {@link FlowWaitConfig#overloadFactor()}. */
		public double overloadWaitFactor;
		// @formatter:on

		private final CusumConfig cusum;

		Builder(SchedulerConfig c) {
			this.virtualNodes = c.ring().virtualNodes();
			this.balanceFactor = c.boundedLoad().balanceFactor();
			this.minSlots = c.boundedLoad().minSlots();
			this.latencyDecay = c.latency().decay();
			this.latencyWindow = c.latency().window();
			this.minSamples = c.latency().minSamples();
			this.failurePenalty = c.latency().failurePenalty();
			this.latencyFactor = c.slowness().latencyFactor();
			this.minSlowLatency = c.slowness().minSlowLatency();
			this.stuckFactor = c.slowness().stuckFactor();
			this.candidates = c.fallback().candidates();
			this.nearEqualTolerance = c.fallback().nearEqualTolerance();
			this.maxMovesPerSecond = c.moves().maxMovesPerSecond();
			this.maxFlows = c.affinity().maxFlows();
			this.idleTimeout = c.affinity().idleTimeout();
			this.slowStartDuration = c.slowStart().duration();
			this.slowStartMinWeight = c.slowStart().minWeight();
			this.slowStartSettlePeriod = c.slowStart().settlePeriod();
			this.consecutiveFailures = c.ejection().consecutiveFailures();
			this.baseEjectionTime = c.ejection().baseTime();
			this.maxEjectionTime = c.ejection().maxTime();
			this.maxEjectionPercent = c.ejection().maxPercent();
			this.refreshInterval = c.refreshInterval();
			this.cusum = c.cusum();
			this.cusumReferenceRatio = c.cusum().referenceRatio();
			this.cusumThreshold = c.cusum().threshold();
			this.cusumClearThreshold = c.cusum().clearThreshold();
			this.cusumOutstandingFactor = c.cusum().outstandingFactor();
			this.waitBudgetFactor = c.flowWait().budgetFactor();
			this.minWaitBudget = Duration.ofNanos(c.flowWait().minBudgetNanos());
			this.overloadWaitFactor = c.flowWait().overloadFactor();
		}

		/**
		 * Build and validate.
		 * @return the configuration
		 * @throws IllegalArgumentException naming the first invalid field
		 */
		public SchedulerConfig build() {
			return new SchedulerConfig(new RingConfig(this.virtualNodes),
					new BoundedLoadConfig(this.balanceFactor, this.minSlots),
					new LatencyConfig(this.latencyDecay, this.latencyWindow, this.minSamples, this.failurePenalty),
					new SlownessConfig(this.latencyFactor, this.minSlowLatency, this.stuckFactor),
					new FallbackConfig(this.candidates, this.nearEqualTolerance),
					new MovesConfig(this.maxMovesPerSecond), new AffinityConfig(this.maxFlows, this.idleTimeout),
					new SlowStartConfig(this.slowStartDuration, this.slowStartMinWeight, this.slowStartSettlePeriod),
					new EjectionConfig(this.consecutiveFailures, this.baseEjectionTime, this.maxEjectionTime,
							this.maxEjectionPercent),
					this.refreshInterval,
					new CusumConfig(this.cusumReferenceRatio, this.cusumThreshold, this.cusumClearThreshold,
							this.cusum.minLogRatio(), this.cusum.maxLogRatio(), this.cusumOutstandingFactor),
					new FlowWaitConfig(this.waitBudgetFactor, ConfigChecks.nanos(this.minWaitBudget, "minWaitBudget"),
							this.overloadWaitFactor));
		}

	}

}
