package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.concurrent.atomic.AtomicBoolean;

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

	private final AtomicBoolean admitted = new AtomicBoolean();

	private final AtomicBoolean accounted = new AtomicBoolean();

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
	 * Claim admission of this response's request: true only for the first caller, so that
	 * a filter chain re-run without a new choice is not admitted twice. Kept here rather
	 * than in exchange attributes to keep the per-request attribute map small.
	 * @return whether the caller is the first
	 */
	public boolean claimAdmission() {
		return this.admitted.compareAndSet(false, true);
	}

	/**
	 * Claim in-flight accounting of this response's request: true only for the first
	 * caller.
	 * @return whether the caller is the first
	 */
	public boolean claimAccounting() {
		return this.accounted.compareAndSet(false, true);
	}

	/**
	 * Count the request in flight on the chosen instance.
	 * @return the lease, to be released exactly once
	 */
	public Lease start() {
		return this.scheduler.start(this.decision);
	}

}
