package io.github.latencylb.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * In-flight accounting and response recording of one service's leases: counts each
 * request in flight on its instance and in the service until its lease is released, and
 * feeds each response's latency (a failure at least {@code failurePenalty}) to the
 * instance's peak EWMA and window, a successful response's to the slowness detector, and
 * its outcome to {@link OutlierEjection}. A keyed request is counted for its flow too
 * ({@link FlowInflightCounts}), released with its lease.
 */
final class LeaseAccounting {

	private final NanoClock clock;

	private final Supplier<SchedulerConfig> config;

	private final OutlierEjection ejection;

	private final FleetRefresh refresh;

	private final AtomicInteger totalInflight = new AtomicInteger();

	LeaseAccounting(NanoClock clock, Supplier<SchedulerConfig> config, OutlierEjection ejection, FleetRefresh refresh) {
		this.clock = clock;
		this.config = config;
		this.ejection = ejection;
		this.refresh = refresh;
	}

	Lease start(InstanceStats instance) {
		return start(instance, false, 0);
	}

	/**
	 * Start a lease; a keyed request is also counted in flight for its flow on the
	 * instance until the lease is released.
	 * @param instance the chosen instance
	 * @param keyed whether the request has a flow key
	 * @param flowHash the flow's hash (keyed requests)
	 * @return the lease
	 */
	Lease start(InstanceStats instance, boolean keyed, long flowHash) {
		FlowLease flow = keyed ? instance.flows.acquire(flowHash) : null;
		int inflight = instance.incrementInflight();
		long now = this.clock.nanoTime();
		Lease lease = new Lease(this, instance, now, inflight, flow, instance.outstanding.track(now));
		this.totalInflight.incrementAndGet();
		return lease;
	}

	void record(InstanceStats instance, long startNanos, long endNanos, Lease.Outcome outcome) {
		record(instance, startNanos, endNanos, 1, outcome);
	}

	void record(InstanceStats instance, long startNanos, long endNanos, int inflightAtStart, Lease.Outcome outcome) {
		long now = this.clock.nanoTime();
		SchedulerConfig config = this.config.get();
		long latency = Math.max(0, endNanos - startNanos);
		if (outcome != Lease.Outcome.SUCCESS) {
			Duration penalty = config.latency().failurePenalty();
			latency = Math.max(latency, penalty.toNanos());
		}
		instance.ewma.observe(latency, now);
		instance.window.record(latency, now);
		instance.lastResponseNanos = now;
		if (outcome == Lease.Outcome.SUCCESS) {
			// Only answers are latency evidence; failures are the ejection's business (a
			// failed instance moves its flows as unavailable, not as slow).
			instance.lastLatencyNanos = latency;
			this.refresh.onResponse(instance, latency, inflightAtStart, now, config);
		}
		this.ejection.onOutcome(instance, outcome, config.ejection(), now);
	}

	void release(InstanceStats instance, Lease lease) {
		instance.decrementInflight();
		lease.untrack();
		this.totalInflight.decrementAndGet();
	}

	long nanoTime() {
		return this.clock.nanoTime();
	}

	int totalInflight() {
		return this.totalInflight.get();
	}

}
