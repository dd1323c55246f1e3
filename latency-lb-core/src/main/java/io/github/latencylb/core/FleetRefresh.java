package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recomputes fleet-wide state at most once per refresh interval, on whichever request
 * thread finds it due, or at once after a change: a slice of the flow-table sweep, the
 * {@link FleetLatency}, the slowness verdict ({@link CusumSlowness}), the cost of
 * instances with no sample, and the list of fit instances.
 */
final class FleetRefresh {

	private final AtomicLong nextRefresh = new AtomicLong(Long.MIN_VALUE);

	private final FlowTable flows;

	private final PeakEwmaCost cost;

	private final FleetLatency fleet;

	private final SlownessDetector slowness;

	/** The instances of the last refresh, for the fleet latency during warm-up. */
	private volatile Topology last;

	FleetRefresh(FlowTable flows, PeakEwmaCost cost) {
		this(flows, cost, new FleetLatency());
	}

	private FleetRefresh(FlowTable flows, PeakEwmaCost cost, FleetLatency fleet) {
		this.flows = flows;
		this.cost = cost;
		this.fleet = fleet;
		this.slowness = new CusumSlowness(fleet);
	}

	/**
	 * The fleet's latency as of the last refresh.
	 * @return the fleet latency
	 */
	FleetLatency fleet() {
		return this.fleet;
	}

	/**
	 * Feed a recorded response to the slowness detector; a changed verdict makes the next
	 * refresh run at once.
	 * @param instance the instance that answered
	 * @param latencyNanos the latency sample
	 * @param inflightAtStart requests in flight there when the request started
	 * @param nowNanos the time
	 * @param config the configuration
	 */
	void onResponse(InstanceStats instance, long latencyNanos, int inflightAtStart, long nowNanos,
			SchedulerConfig config) {
		Topology last = this.last;
		if (this.fleet.medianNanos() < 0 && last != null) {
			// Warm-up: learn the fleet's median as soon as two instances have enough
			// samples, rather than at the next refresh, so that no evidence is lost.
			this.fleet.update(last.instances.values(), nowNanos, config);
		}
		if (this.slowness.onResponse(instance, latencyNanos, inflightAtStart,
				(last != null) ? last.instances.values() : List.of(), nowNanos, config)) {
			due(nowNanos);
		}
	}

	/**
	 * Make the next {@link #maybeRefresh} run.
	 * @param nowNanos the current time
	 */
	void due(long nowNanos) {
		this.nextRefresh.set(nowNanos);
	}

	/**
	 * The current instance set, refreshed first if due.
	 * @param instances the instance set
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return the current topology
	 */
	Topology current(InstanceSet instances, SchedulerConfig config, long nowNanos) {
		Topology topology = instances.current();
		maybeRefresh(topology, config, nowNanos);
		return topology;
	}

	void maybeRefresh(Topology topology, SchedulerConfig config, long nowNanos) {
		long due = this.nextRefresh.get();
		if (nowNanos - due >= 0 && this.nextRefresh.compareAndSet(due, nowNanos + config.refreshInterval().toNanos())) {
			refresh(topology, config, nowNanos);
		}
	}

	void refresh(Topology topology, SchedulerConfig config, long nowNanos) {
		this.last = topology;
		this.flows.sweep();
		this.fleet.update(topology.instances.values(), nowNanos, config);
		this.slowness.assess(topology.instances.values(), nowNanos, config);
		this.cost.refresh(topology.instances.values(), nowNanos);
		List<InstanceStats> fit = new ArrayList<>();
		for (InstanceStats s : topology.instances.values()) {
			if (EligibilityLadder.fit(s, nowNanos)) {
				fit.add(s);
			}
		}
		topology.fit = List.copyOf(fit);
	}

}
