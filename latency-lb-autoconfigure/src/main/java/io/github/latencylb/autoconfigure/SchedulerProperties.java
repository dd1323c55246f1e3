package io.github.latencylb.autoconfigure;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * Scheduler knobs that can be set for all services ({@code latency-lb.*}) and overridden
 * per service ({@code latency-lb.services.<serviceId>.*}).
 */
public class SchedulerProperties {

	@Valid
	private final Ring ring = new Ring();

	@Valid
	private final BoundedLoad boundedLoad = new BoundedLoad();

	@Valid
	private final Latency latency = new Latency();

	@Valid
	private final Fallback fallback = new Fallback();

	@Valid
	private final Slowness slowness = new Slowness();

	@Valid
	private final SlowStart slowStart = new SlowStart();

	@Valid
	private final Ejection ejection = new Ejection();

	public Ring getRing() {
		return this.ring;
	}

	public BoundedLoad getBoundedLoad() {
		return this.boundedLoad;
	}

	public Latency getLatency() {
		return this.latency;
	}

	public Fallback getFallback() {
		return this.fallback;
	}

	public Slowness getSlowness() {
		return this.slowness;
	}

	public SlowStart getSlowStart() {
		return this.slowStart;
	}

	public Ejection getEjection() {
		return this.ejection;
	}

	/**
	 * Consistent-hash ring.
	 */
	public static class Ring {

		/**
		 * Virtual nodes per unit of instance weight. More nodes spread keys more evenly
		 * and cost memory (12 bytes each).
		 */
		@Min(1)
		@Max(100_000)
		private int virtualNodes = 1000;

		public int getVirtualNodes() {
			return this.virtualNodes;
		}

		public void setVirtualNodes(int virtualNodes) {
			this.virtualNodes = virtualNodes;
		}

	}

	/**
	 * Bounded-load hashing, for placing new flows and keyless picks.
	 */
	public static class BoundedLoad {

		/**
		 * Factor c: an instance takes new flows while its in-flight count stays within
		 * ceil(c x (total in-flight + 1) / n), scaled by weight. Never moves a placed
		 * flow.
		 */
		@DecimalMin(value = "1.0", inclusive = false)
		private double balanceFactor = 1.25;

		/**
		 * Floor of the bounded-load cap, so that low concurrency never triggers it.
		 */
		@Min(1)
		private int minSlots = 8;

		public double getBalanceFactor() {
			return this.balanceFactor;
		}

		public void setBalanceFactor(double balanceFactor) {
			this.balanceFactor = balanceFactor;
		}

		public int getMinSlots() {
			return this.minSlots;
		}

		public void setMinSlots(int minSlots) {
			this.minSlots = minSlots;
		}

	}

	/**
	 * Passive latency measurement.
	 */
	public static class Latency {

		/**
		 * Time constant of the peak EWMA's decay.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration decay = Duration.ofSeconds(10);

		/**
		 * Length of the window for percentiles and the medians the fleet's median (the
		 * slowness test's reference) is taken from; a slow instance with no response for
		 * two windows is forgotten and probed again.
		 */
		@NotNull
		@DurationMin(millis = 10)
		private Duration window = Duration.ofSeconds(10);

		/**
		 * Samples an instance needs in the window before its median counts (for the
		 * fleet's median and latency percentiles).
		 */
		@Min(1)
		private int minSamples = 20;

		/**
		 * Latency recorded for a failed call (5xx, connect error, timeout) that failed
		 * faster, so that an instance failing fast never looks fast.
		 */
		@NotNull
		private Duration failurePenalty = Duration.ofSeconds(1);

		public Duration getDecay() {
			return this.decay;
		}

		public void setDecay(Duration decay) {
			this.decay = decay;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getMinSamples() {
			return this.minSamples;
		}

		public void setMinSamples(int minSamples) {
			this.minSamples = minSamples;
		}

		public Duration getFailurePenalty() {
			return this.failurePenalty;
		}

		public void setFailurePenalty(Duration failurePenalty) {
			this.failurePenalty = failurePenalty;
		}

	}

	/**
	 * When and where a flow leaves its home.
	 */
	public static class Fallback {

		/**
		 * Sets, with min-slow-latency, the latency ({@code max(latency-factor x fleet
		 * median, min-slow-latency)}) that stuck-factor multiplies; the slowness verdict
		 * itself is the sequential test of {@code latency-lb.slowness.*}.
		 */
		@DecimalMin(value = "1.0", inclusive = false)
		private double latencyFactor = 2.0;

		/**
		 * Distinct instances after home on the ring (the flow's preference list)
		 * considered for a fallback.
		 */
		@Min(1)
		private int candidates = 3;

		/**
		 * Responses faster than this are never evidence of slowness, so that microsecond
		 * noise never moves flows; also the floor of the stuck threshold.
		 */
		@NotNull
		private Duration minSlowLatency = Duration.ofMillis(2);

		/**
		 * An instance is also slow (stuck) when two requests sent since its last response
		 * are both older than this factor times {@code max(latency-factor x fleet median,
		 * min-slow-latency)}: a hung instance is noticed before it answers, one long
		 * request alone is not enough.
		 */
		@DecimalMin("1.0")
		private double stuckFactor = 10.0;

		/**
		 * How many existing flows per second may leave slow (but available) instances;
		 * finite, at most 1,000,000.
		 */
		@DecimalMin(value = "0.0", inclusive = false)
		@DecimalMax("1000000")
		private double maxMovesPerSecond = 100;

		/**
		 * Candidates whose score is within this fraction of the best are chosen by
		 * rendezvous hashing on the flow key: different flows spread (against herding)
		 * and every gateway replica picks the same one for a flow.
		 */
		@DecimalMin("0.0")
		@DecimalMax(value = "1.0", inclusive = false)
		private double nearEqualTolerance = 0.10;

		/**
		 * Wait budget of a new flow whose home is saturated, as a multiple of the fleet's
		 * p95 latency: past it, the flow starts on a ring candidate with a free permit.
		 * An existing flow with one request at a time always waits at its healthy
		 * instance.
		 */
		@DecimalMin("0.0")
		private double waitBudgetFactor = 2.0;

		/**
		 * Least wait budget of a new flow at its saturated home, whatever the fleet's
		 * latency (a fleet with no latency samples yet starts new flows at home through a
		 * burst too).
		 */
		@NotNull
		@DurationMin(millis = 0)
		private Duration minWaitBudget = Duration.ofMillis(10);

		/**
		 * How many wait budgets an existing flow's expected wait at its saturated
		 * instance must exceed before the instance counts as overloaded rather than
		 * momentarily full: the request then takes a free permit of another instance, if
		 * any, instead of waiting towards its queue timeout (the flow stays pinned).
		 */
		@DecimalMin("1.0")
		private double overloadWaitFactor = 10.0;

		public double getLatencyFactor() {
			return this.latencyFactor;
		}

		public void setLatencyFactor(double latencyFactor) {
			this.latencyFactor = latencyFactor;
		}

		public int getCandidates() {
			return this.candidates;
		}

		public void setCandidates(int candidates) {
			this.candidates = candidates;
		}

		public Duration getMinSlowLatency() {
			return this.minSlowLatency;
		}

		public void setMinSlowLatency(Duration minSlowLatency) {
			this.minSlowLatency = minSlowLatency;
		}

		public double getStuckFactor() {
			return this.stuckFactor;
		}

		public void setStuckFactor(double stuckFactor) {
			this.stuckFactor = stuckFactor;
		}

		public double getMaxMovesPerSecond() {
			return this.maxMovesPerSecond;
		}

		public void setMaxMovesPerSecond(double maxMovesPerSecond) {
			this.maxMovesPerSecond = maxMovesPerSecond;
		}

		public double getNearEqualTolerance() {
			return this.nearEqualTolerance;
		}

		public void setNearEqualTolerance(double nearEqualTolerance) {
			this.nearEqualTolerance = nearEqualTolerance;
		}

		public double getWaitBudgetFactor() {
			return this.waitBudgetFactor;
		}

		public void setWaitBudgetFactor(double waitBudgetFactor) {
			this.waitBudgetFactor = waitBudgetFactor;
		}

		public Duration getMinWaitBudget() {
			return this.minWaitBudget;
		}

		public void setMinWaitBudget(Duration minWaitBudget) {
			this.minWaitBudget = minWaitBudget;
		}

		public double getOverloadWaitFactor() {
			return this.overloadWaitFactor;
		}

		public void setOverloadWaitFactor(double overloadWaitFactor) {
			this.overloadWaitFactor = overloadWaitFactor;
		}

	}

	/**
	 * The slowness verdict: a one-sided CUSUM on the log of each response's latency over
	 * the fleet's median (and the age of the oldest outstanding request), per instance.
	 */
	public static class Slowness {

		/**
		 * Latency, as a multiple of the fleet's median, that is neither evidence of
		 * slowness nor of health: slower responses raise an instance's statistic, faster
		 * ones lower it.
		 */
		@DecimalMin(value = "1.0", inclusive = false)
		private double referenceRatio = 3.0;

		/**
		 * Statistic at which an instance is judged slow: lower detects faster (a 10x
		 * slower instance in about threshold / 1.2 responses) but raises false alarms.
		 */
		@DecimalMin(value = "0.0", inclusive = false)
		private double threshold = 5.0;

		/**
		 * Statistic at or below which a slow instance is healthy again; below threshold.
		 */
		@DecimalMin("0.0")
		private double clearThreshold = 2.5;

		/**
		 * Age, in fleet medians, from which a request still outstanding counts as
		 * evidence (as a response at least that slow).
		 */
		@DecimalMin("1.0")
		private double outstandingFactor = 3.0;

		public double getReferenceRatio() {
			return this.referenceRatio;
		}

		public void setReferenceRatio(double referenceRatio) {
			this.referenceRatio = referenceRatio;
		}

		public double getThreshold() {
			return this.threshold;
		}

		public void setThreshold(double threshold) {
			this.threshold = threshold;
		}

		public double getClearThreshold() {
			return this.clearThreshold;
		}

		public void setClearThreshold(double clearThreshold) {
			this.clearThreshold = clearThreshold;
		}

		public double getOutstandingFactor() {
			return this.outstandingFactor;
		}

		public void setOutstandingFactor(double outstandingFactor) {
			this.outstandingFactor = outstandingFactor;
		}

	}

	/**
	 * Slow start of newly seen instances.
	 */
	public static class SlowStart {

		/**
		 * How long a newly seen instance's weight ramps up, for new flows and keyless
		 * picks. Zero disables slow start.
		 */
		@NotNull
		private Duration duration = Duration.ofSeconds(30);

		/**
		 * Fraction of its weight a newly seen instance starts with.
		 */
		@DecimalMin(value = "0.0", inclusive = false)
		@DecimalMax("1.0")
		private double minWeight = 0.1;

		/**
		 * Instances that join within this time after a service's first non-empty instance
		 * list start warm, like that list's: they were there at start-up and an
		 * instance-list supplier (e.g. active health checks) emitted them a moment late.
		 * Zero puts every instance after the first list into slow start.
		 */
		@NotNull
		@DurationMin(millis = 0)
		private Duration settlePeriod = Duration.ofSeconds(10);

		public Duration getDuration() {
			return this.duration;
		}

		public void setDuration(Duration duration) {
			this.duration = duration;
		}

		public double getMinWeight() {
			return this.minWeight;
		}

		public void setMinWeight(double minWeight) {
			this.minWeight = minWeight;
		}

		public Duration getSettlePeriod() {
			return this.settlePeriod;
		}

		public void setSettlePeriod(Duration settlePeriod) {
			this.settlePeriod = settlePeriod;
		}

	}

	/**
	 * Passive ejection of failing instances.
	 */
	public static class Ejection {

		/**
		 * Failures in a row that eject an instance. Zero disables ejection.
		 */
		@Min(0)
		private int consecutiveFailures = 5;

		/**
		 * First ejection interval; each further ejection of the same instance adds as
		 * much.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration baseTime = Duration.ofSeconds(30);

		/**
		 * Longest ejection interval.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration maxTime = Duration.ofMinutes(5);

		/**
		 * Largest share of a service's instances ejected at once, in percent.
		 */
		@Min(0)
		@Max(100)
		private int maxPercent = 50;

		public int getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(int consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public Duration getBaseTime() {
			return this.baseTime;
		}

		public void setBaseTime(Duration baseTime) {
			this.baseTime = baseTime;
		}

		public Duration getMaxTime() {
			return this.maxTime;
		}

		public void setMaxTime(Duration maxTime) {
			this.maxTime = maxTime;
		}

		public int getMaxPercent() {
			return this.maxPercent;
		}

		public void setMaxPercent(int maxPercent) {
			this.maxPercent = maxPercent;
		}

	}

}
