package io.github.latencylb.autoconfigure.loadbalancer;

import io.github.latencylb.core.Decision;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.Scheduler;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;

/**
 * A load-balancer response that remembers the scheduler's decision, so that the request
 * can be accounted for on the instance it was sent to.
 */
public class LatencyLbResponse extends DefaultResponse {

	private final Scheduler scheduler;

	private final Decision decision;

	LatencyLbResponse(ServiceInstance instance, Scheduler scheduler, Decision decision) {
		super(instance);
		this.scheduler = scheduler;
		this.decision = decision;
	}

	/**
	 * Return the decision behind this response.
	 * @return the decision
	 */
	public Decision getDecision() {
		return this.decision;
	}

	/**
	 * Return the scheduler that decided.
	 * @return the scheduler
	 */
	public Scheduler getScheduler() {
		return this.scheduler;
	}

	/**
	 * Count the request in flight on the chosen instance.
	 * @return the lease, to be released exactly once
	 */
	public Lease start() {
		return this.scheduler.start(this.decision);
	}

}
