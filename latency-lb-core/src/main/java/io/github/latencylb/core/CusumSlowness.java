package io.github.latencylb.core;

import java.util.Collection;

/**
 * Slowness by a sequential change test: each instance's {@link CusumSlownessDetector}
 * statistic, fed by every recorded response and, on each refresh, by the age of its
 * oldest outstanding request, both relative to the {@link FleetLatency} median. A request
 * sent while its instance had more requests in flight than an instance usually has
 * ({@link FleetLatency#inflight()}) may have queued behind that burst: its latency counts
 * discounted by the lesser of scaling by {@code usual / inflightAtStart} and taking off
 * one fleet median per extra request, so that the queueing bursts of a busy but healthy
 * instance (slow responses in runs, which a sequential test would add up) raise no alarm,
 * while a degraded instance's responses keep what queueing cannot explain. A slow-looking
 * response is also compared with the rest of the fleet right now (when every instance is
 * as slow at once, the gateway stalled: no evidence). A response under
 * {@code minSlowLatency} is never evidence of slowness (microsecond noise). An instance
 * is also slow when stuck: two requests outstanding for longer than
 * {@code stuckFactor x max(latencyFactor x fleetMedian, minSlowLatency)} with no response
 * since they started. A slow instance with no response for two latency windows (its flows
 * have left) is forgotten, so that traffic probes it again; a recovered instance clears
 * within a few fast responses.
 */
final class CusumSlowness implements SlownessDetector {

	private final FleetLatency fleet;

	private volatile CusumSlownessDetector detector = new CusumSlownessDetector(CusumConfig.ofDefaults());

	CusumSlowness(FleetLatency fleet) {
		this.fleet = fleet;
	}

	@Override
	public void assess(Collection<InstanceStats> instances, long nowNanos, SchedulerConfig config) {
		CusumSlownessDetector detector = detector(config);
		long median = this.fleet.medianNanos();
		long forget = 2 * config.latency().window().toNanos();
		for (InstanceStats s : instances) {
			if (s.slow && nowNanos - s.lastResponseNanos > forget && s.outstanding.isEmpty()) {
				detector.reset(s.cusum);
			}
			boolean slowNow = detector.onOutstanding(s.cusum, s.oldestOutstandingAge(nowNanos), median);
			if (median > 0) {
				double threshold = Math.max(config.slowness().latencyFactor() * median,
						config.slowness().minSlowLatency().toNanos());
				slowNow |= s.unansweredAge(nowNanos) > config.slowness().stuckFactor() * threshold;
			}
			s.slow = slowNow;
		}
	}

	@Override
	public boolean onResponse(InstanceStats instance, long latencyNanos, int inflightAtStart,
			Collection<InstanceStats> fleet, long nowNanos, SchedulerConfig config) {
		long median = this.fleet.medianNanos();
		long sample = latencyNanos;
		int usual = this.fleet.inflight();
		if (inflightAtStart > usual) {
			// Sent into a burst: part of its latency may be queueing behind the requests
			// above the usual load. Discount no more than queueing could explain: the
			// lesser discount of scaling by usual / inflightAtStart and taking off one
			// fleet median per extra request (what a backend serving one request at a
			// time would add). Scaling alone would cancel a slow instance's slowness as
			// soon as its own in-flight count grows with it (in-flight is rate x
			// latency).
			long scaled = (long) ((double) sample * usual / inflightAtStart);
			long queued = (median > 0) ? sample - (long) (inflightAtStart - usual) * median : scaled;
			sample = Math.max(scaled, queued);
		}
		if (sample < config.slowness().minSlowLatency().toNanos()) {
			sample = Math.min(sample, median);
		}
		if (median > 0 && sample > config.cusum().referenceRatio() * median) {
			median = Math.max(median, fleetNow(instance, sample, fleet, nowNanos));
		}
		boolean slow = detector(config).onResponse(instance.cusum, sample, median);
		boolean changed = slow != instance.slow;
		instance.slow = slow;
		return changed;
	}

	/**
	 * How slow the rest of the fleet is right now, seen from a slow-looking response: the
	 * least, over the other instances, of their oldest outstanding request's age or, if
	 * larger, their last response's latency when it ended within this response's
	 * lifetime. A stall of the gateway itself (a GC pause, a starved CPU) makes every
	 * instance look slow at once: that is not evidence against one of them; one healthy
	 * instance is enough to tell.
	 * @param instance the instance that answered
	 * @param latencyNanos its response's latency
	 * @param fleet the instances of the service
	 * @param nowNanos the time
	 * @return nanoseconds, {@code 0} without other instances
	 */
	private static long fleetNow(InstanceStats instance, long latencyNanos, Collection<InstanceStats> fleet,
			long nowNanos) {
		long least = Long.MAX_VALUE;
		for (InstanceStats other : fleet) {
			if (other != instance && !other.ejected(nowNanos)) {
				long recent = (nowNanos - other.lastResponseNanos <= latencyNanos) ? other.lastLatencyNanos : 0;
				least = Math.min(least, Math.max(recent, other.oldestOutstandingAge(nowNanos)));
			}
		}
		return (least != Long.MAX_VALUE) ? least : 0;
	}

	private CusumSlownessDetector detector(SchedulerConfig config) {
		CusumSlownessDetector current = this.detector;
		// Identity first: the configuration is the same object until it is swapped.
		if (current.config() != config.cusum() && !current.config().equals(config.cusum())) {
			current = new CusumSlownessDetector(config.cusum());
			this.detector = current;
		}
		return current;
	}

}
