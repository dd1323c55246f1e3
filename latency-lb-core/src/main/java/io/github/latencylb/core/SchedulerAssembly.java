package io.github.latencylb.core;

import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The algorithm classes of one {@link Scheduler}, wired together: they share one cost
 * model ({@link PeakEwmaCost}), one set of counters and one {@link FleetRefresh}.
 *
 * @param instances the instance set and its ring
 * @param counters the decision and move counters
 * @param refresh the fleet-wide refresh
 * @param leases the in-flight accounting, feeding latency, slowness and ejection
 * @param twoChoices the keyless choice
 * @param router the keyed choice
 */
record SchedulerAssembly(InstanceSet instances, SchedulerCounters counters, FleetRefresh refresh,
		LeaseAccounting leases, PowerOfTwoChoices twoChoices, FlowRouter router) {

	/**
	 * Wire the classes of a scheduler.
	 * @param serviceId the service (seeds the flows' ring positions)
	 * @param clock the time source
	 * @param random the randomness of the keyless choice
	 * @param flows the flow table
	 * @param config the scheduler's current configuration
	 * @return the assembly
	 */
	static SchedulerAssembly wire(String serviceId, NanoClock clock, RandomGenerator random, FlowTable flows,
			Supplier<SchedulerConfig> config) {
		InstanceSet instances = new InstanceSet(clock);
		SchedulerCounters counters = new SchedulerCounters();
		PeakEwmaCost cost = new PeakEwmaCost();
		FleetRefresh refresh = new FleetRefresh(flows, cost);
		LeaseAccounting leases = new LeaseAccounting(clock, config, new OutlierEjection(instances, refresh), refresh);
		FlowRouter router = new FlowRouter(flows, StableHash.hash(serviceId), counters, new RingFallback(cost),
				leases::totalInflight, new TokenBucket(clock.nanoTime()), refresh.fleet());
		return new SchedulerAssembly(instances, counters, refresh, leases, new PowerOfTwoChoices(random, cost), router);
	}

	/**
	 * The current instance set, refreshed first if due.
	 * @param config the configuration
	 * @param nowNanos the current time
	 * @return the topology
	 */
	Topology current(SchedulerConfig config, long nowNanos) {
		return this.refresh.current(this.instances, config, nowNanos);
	}

	/**
	 * Refresh the fleet-wide state at once, on the instance set just published.
	 * @param config the configuration
	 * @param nowNanos the current time
	 */
	void refreshNow(SchedulerConfig config, long nowNanos) {
		this.refresh.due(nowNanos);
		this.refresh.refresh(this.instances.current(), config, nowNanos);
	}

}
