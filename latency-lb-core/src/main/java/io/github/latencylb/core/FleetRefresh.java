package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recomputes fleet-wide state at most once per refresh interval, on whichever request
 * thread finds it due, or at once after a change: a slice of the flow-table sweep, the
 * slowness verdict, the cost of instances with no sample, and the list of fit instances.
 */
final class FleetRefresh {

	private final AtomicLong nextRefresh = new AtomicLong(Long.MIN_VALUE);

	private final FlowTable flows;

	private final PeakEwmaCost cost;

	private final SlownessDetector slowness;

	FleetRefresh(FlowTable flows, PeakEwmaCost cost, SlownessDetector slowness) {
		this.flows = flows;
		this.cost = cost;
		this.slowness = slowness;
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
		this.flows.sweep();
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
