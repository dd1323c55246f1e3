package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Point-in-time view of a {@link Scheduler}: per instance and per service. Holds no flow
 * key.
 *
 * @param serviceId the service
 * @param instances every instance
 * @param decisions decisions so far by reason
 * @param moves flow moves so far by cause
 * @param deferredMoves moves the move budget deferred
 * @param flowTableSize flows recorded on the present instances (in the flow table)
 * @param inflight requests in flight on all instances
 */
public record SchedulerSnapshot(String serviceId, List<Instance> instances, Map<DecisionReason, Long> decisions,
		Map<MoveCause, Long> moves, long deferredMoves, long flowTableSize, int inflight) {

	/**
	 * Return one instance's view.
	 * @param id the instance id
	 * @return the view, or {@code null}
	 */
	public Instance instance(String id) {
		return this.instances.stream().filter((i) -> i.id().equals(id)).findFirst().orElse(null);
	}

	static SchedulerSnapshot of(String serviceId, Topology topology, SchedulerCounters counters, int inflight,
			SchedulerConfig config, long now) {
		List<Instance> instances = new ArrayList<>();
		long flowCount = 0;
		for (InstanceStats s : topology.instances.values()) {
			flowCount += s.homeFlows.get() + s.pinnedFlows.get();
			LatencyWindow.Summary summary = s.window.summary(now);
			double warmth = s.warmth(now, config);
			instances.add(new Instance(s.id, s.state(now, config), s.weight, s.weight * warmth, s.ewma.value(now),
					summary.p50Nanos(), summary.p99Nanos(), summary.count(), s.inflight, s.homeFlows.get(),
					s.pinnedFlows.get(), topology.ring.share(s.id), s.slow, s.oldestOutstandingAge(now),
					s.consecutiveFailures.get()));
		}
		return new SchedulerSnapshot(serviceId, instances, counters.decisionCounts(), counters.moveCounts(),
				counters.deferredMoves(), flowCount, inflight);
	}

	/**
	 * One instance.
	 *
	 * @param id stable instance id
	 * @param state life-cycle state
	 * @param weight configured weight
	 * @param effectiveWeight weight after slow start
	 * @param peakEwmaNanos peak EWMA latency, -1 before any sample
	 * @param p50Nanos windowed median latency
	 * @param p99Nanos windowed 99th percentile latency
	 * @param samples samples in the window
	 * @param inflight requests in flight
	 * @param homeFlows flows it holds as their ring home
	 * @param pinnedFlows flows pinned to it after a fallback
	 * @param ringShare fraction of the hash space it owns
	 * @param slow whether it is currently judged slow
	 * @param oldestOutstandingNanos age of its oldest outstanding request
	 * @param consecutiveFailures failures in a row
	 */
	public record Instance(String id, InstanceState state, int weight, double effectiveWeight, double peakEwmaNanos,
			long p50Nanos, long p99Nanos, long samples, int inflight, int homeFlows, int pinnedFlows, double ringShare,
			boolean slow, long oldestOutstandingNanos, int consecutiveFailures) {
	}

}
