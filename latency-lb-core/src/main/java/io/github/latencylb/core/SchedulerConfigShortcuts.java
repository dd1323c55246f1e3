package io.github.latencylb.core;

import java.time.Duration;

/**
 * Flat accessors of a {@link SchedulerConfig}, one per {@link SchedulerConfig.Builder}
 * field, kept for source compatibility with the flat configuration it replaced.
 */
public interface SchedulerConfigShortcuts {

	/**
	 * Return the ring part.
	 * @return the ring part
	 */
	RingConfig ring();

	/**
	 * Return the boundedLoad part.
	 * @return the boundedLoad part
	 */
	BoundedLoadConfig boundedLoad();

	/**
	 * Return the latency part.
	 * @return the latency part
	 */
	LatencyConfig latency();

	/**
	 * Return the slowness part.
	 * @return the slowness part
	 */
	SlownessConfig slowness();

	/**
	 * Return the fallback part.
	 * @return the fallback part
	 */
	FallbackConfig fallback();

	/**
	 * Return the moves part.
	 * @return the moves part
	 */
	MovesConfig moves();

	/**
	 * Return the affinity part.
	 * @return the affinity part
	 */
	AffinityConfig affinity();

	/**
	 * Return the slowStart part.
	 * @return the slowStart part
	 */
	SlowStartConfig slowStart();

	/**
	 * Return the ejection part.
	 * @return the ejection part
	 */
	EjectionConfig ejection();

	/**
	 * Return the ring points per unit of instance weight.
	 * @return {@code ring().virtualNodes()}
	 */
	default int virtualNodes() {
		return ring().virtualNodes();
	}

	/**
	 * Return the bounded-load factor.
	 * @return {@code boundedLoad().balanceFactor()}
	 */
	default double balanceFactor() {
		return boundedLoad().balanceFactor();
	}

	/**
	 * Return the floor of the bounded-load cap.
	 * @return {@code boundedLoad().minSlots()}
	 */
	default int minSlots() {
		return boundedLoad().minSlots();
	}

	/**
	 * Return the time constant of the peak EWMA's decay.
	 * @return {@code latency().decay()}
	 */
	default Duration latencyDecay() {
		return latency().decay();
	}

	/**
	 * Return the length of the latency window.
	 * @return {@code latency().window()}
	 */
	default Duration latencyWindow() {
		return latency().window();
	}

	/**
	 * Return the samples needed before an instance can be judged slow.
	 * @return {@code latency().minSamples()}
	 */
	default int minSamples() {
		return latency().minSamples();
	}

	/**
	 * Return the latency recorded for a fast failure.
	 * @return {@code latency().failurePenalty()}
	 */
	default Duration failurePenalty() {
		return latency().failurePenalty();
	}

	/**
	 * Return the slowness factor over the fleet's median.
	 * @return {@code slowness().latencyFactor()}
	 */
	default double latencyFactor() {
		return slowness().latencyFactor();
	}

	/**
	 * Return the floor of the slowness threshold.
	 * @return {@code slowness().minSlowLatency()}
	 */
	default Duration minSlowLatency() {
		return slowness().minSlowLatency();
	}

	/**
	 * Return the stuck factor over the slowness threshold.
	 * @return {@code slowness().stuckFactor()}
	 */
	default double stuckFactor() {
		return slowness().stuckFactor();
	}

	/**
	 * Return the fallback candidates after home.
	 * @return {@code fallback().candidates()}
	 */
	default int candidates() {
		return fallback().candidates();
	}

	/**
	 * Return the near-equal score tolerance.
	 * @return {@code fallback().nearEqualTolerance()}
	 */
	default double nearEqualTolerance() {
		return fallback().nearEqualTolerance();
	}

	/**
	 * Return the flows per second that may leave a slow instance.
	 * @return {@code moves().maxMovesPerSecond()}
	 */
	default double maxMovesPerSecond() {
		return moves().maxMovesPerSecond();
	}

	/**
	 * Return the bound of the flow table.
	 * @return {@code affinity().maxFlows()}
	 */
	default long maxFlows() {
		return affinity().maxFlows();
	}

	/**
	 * Return the idle timeout of a flow.
	 * @return {@code affinity().idleTimeout()}
	 */
	default Duration idleTimeout() {
		return affinity().idleTimeout();
	}

	/**
	 * Return the slow-start duration.
	 * @return {@code slowStart().duration()}
	 */
	default Duration slowStartDuration() {
		return slowStart().duration();
	}

	/**
	 * Return the slow-start initial weight fraction.
	 * @return {@code slowStart().minWeight()}
	 */
	default double slowStartMinWeight() {
		return slowStart().minWeight();
	}

	/**
	 * Return the slow-start settle period.
	 * @return {@code slowStart().settlePeriod()}
	 */
	default Duration slowStartSettlePeriod() {
		return slowStart().settlePeriod();
	}

	/**
	 * Return the failures in a row that eject.
	 * @return {@code ejection().consecutiveFailures()}
	 */
	default int consecutiveFailures() {
		return ejection().consecutiveFailures();
	}

	/**
	 * Return the first ejection interval.
	 * @return {@code ejection().baseTime()}
	 */
	default Duration baseEjectionTime() {
		return ejection().baseTime();
	}

	/**
	 * Return the longest ejection interval.
	 * @return {@code ejection().maxTime()}
	 */
	default Duration maxEjectionTime() {
		return ejection().maxTime();
	}

	/**
	 * Return the share of instances that may be ejected at once.
	 * @return {@code ejection().maxPercent()}
	 */
	default int maxEjectionPercent() {
		return ejection().maxPercent();
	}

}
