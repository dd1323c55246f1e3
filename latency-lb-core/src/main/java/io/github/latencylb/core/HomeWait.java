package io.github.latencylb.core;

/**
 * Whether a keyed request whose instance is saturated waits there (in its admission
 * queue) or overflows: the {@link HotFlowOverflow} rule over the flow's requests in
 * flight on every instance (their {@link FlowInflightCounts}: at home and what it spilt
 * elsewhere), the permits of the home shared among the flows in flight there and the
 * requests waiting (at least one, as the instance is saturated; a flow with one request
 * in flight is never over its share), with the instance's permits as its concurrency
 * (else its requests in flight: leases start once a permit is granted, so a saturated
 * instance's requests in flight are its permits, but lag them at the start of a burst),
 * its windowed median (else decaying average, else the fleet's median) as its service
 * time, and a budget from the {@link FleetLatency} p95. Thread-safe.
 */
final class HomeWait {

	private final FleetLatency fleet;

	private volatile HotFlowOverflow rule = new HotFlowOverflow(FlowWaitConfig.ofDefaults());

	HomeWait(FleetLatency fleet) {
		this.fleet = fleet;
	}

	/**
	 * The verdict for one request of a flow at a saturated instance.
	 * @param topology the current instance set
	 * @param home the saturated instance
	 * @param keyHash the flow's hash
	 * @param config the configuration
	 * @param nowNanos the time
	 * @return the verdict
	 */
	HotFlowOverflow.Verdict decide(Topology topology, InstanceStats home, long keyHash, SchedulerConfig config,
			long nowNanos) {
		HotFlowOverflow rule = this.rule;
		if (rule.config() != config.flowWait() && !rule.config().equals(config.flowWait())) {
			rule = new HotFlowOverflow(config.flowWait());
			this.rule = rule;
		}
		long service = home.medianNanos;
		if (service < 0) {
			double ewma = home.ewma.value(nowNanos);
			service = (ewma >= 0) ? (long) ewma : this.fleet.medianNanos();
		}
		// Saturated: at least one request waits, and each waiting request competes for a
		// share of the permits as much as each flow in flight does.
		int waiting = Math.max(1, home.admission().queueLength());
		int concurrency = Math.max(1, Math.max(home.admission().permits(), home.inflight));
		return rule.decide(inflight(topology, keyHash), home.flows.flows() + waiting, concurrency, waiting - 1, service,
				this.fleet.p95Nanos());
	}

	/**
	 * The flow's requests in flight on the whole instance set: at home, and any excess it
	 * spilt elsewhere. A hot flow whose home is momentarily held by other flows is still
	 * over its share, so its next requests do not pile up in the home's queue; a flow
	 * with one request at a time has none in flight when its next is decided.
	 * @param topology the current instance set
	 * @param keyHash the flow's hash
	 * @return the count
	 */
	private static int inflight(Topology topology, long keyHash) {
		int inflight = 0;
		for (InstanceStats instance : topology.instances.values()) {
			inflight += instance.flows.inflight(keyHash);
		}
		return inflight;
	}

}
