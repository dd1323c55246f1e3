package io.github.latencylb.benchmarks.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.github.latencylb.core.Decision;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.latencylb.core.admission.ServiceWaiter;
import io.github.latencylb.core.admission.Ticket;

/**
 * The gateway's two-level admission around the core {@link Scheduler} (the
 * {@link HybridPolicy}'s), as the starter's {@code InstanceAdmission} and
 * {@code ServiceQueueAdmission} do it: an attempt takes a free permit of the instance its
 * decision names at once if it can; otherwise a keyless attempt (health checks included)
 * or one whose decision reason is {@link DecisionReason#OVERFLOW} joins the service's
 * {@link ServiceQueue} with the decision's instance first, then the
 * {@link Scheduler#keylessCandidates keyless candidates}: it takes a free permit of one
 * of them, else the first permit that frees on any (a freed permit goes to the better of
 * the instance queue's head and the service queue's head by class, offset and arrival,
 * ties to the instance: the instances' {@link PriorityAdmissionQueue}s are attached to
 * the service queue); any other keyed attempt waits in its instance's queue. The lease
 * starts once a permit is granted, on the decision of the instance granted (the original
 * decision if it is that instance). One deadline covers the whole wait; a rejection or
 * timeout is the request's failure (no retry), and records nothing.
 */
final class GatewayAdmission {

	private final Scheduler scheduler;

	private final Map<String, SimulatedInstance> byId;

	private final ServiceQueue service;

	GatewayAdmission(Scheduler scheduler, Map<String, SimulatedInstance> byId, NanoClock clock) {
		this.scheduler = scheduler;
		this.byId = byId;
		this.service = new ServiceQueue(ScenarioRun.QUEUE_MAX_LENGTH, SimulatedInstance.HEALTH_CHECKS, clock);
		byId.forEach((id, instance) -> instance.queue.attach(this.service, id));
	}

	/**
	 * Choose and admit one request, serve it, and report.
	 * @param flowHash the flow key's hash (ignored when keyless)
	 * @param keyless whether the request has no flow key
	 * @param priorityClass its class
	 * @param deadline the end of its whole wait
	 * @param regularDeadline the end of its wait if demoted (a health check over its cap)
	 * @param server serves a request on an instance with a permit
	 * @param servedOn told the instance that serves the request, when it starts
	 * @param done told whether it was served (after the response) or rejected
	 */
	void admit(long flowHash, boolean keyless, int priorityClass, long deadline, long regularDeadline,
			TwoLevelAdmission.Server server, Consumer<SimulatedInstance> servedOn, Consumer<Boolean> done) {
		Decision decision = keyless ? this.scheduler.chooseKeyless(Set.of())
				: this.scheduler.chooseForFlow(flowHash, Set.of());
		SimulatedInstance chosen = this.byId.get(decision.instanceId());
		if (chosen.queue.tryAcquireNow(priorityClass, 0)) {
			start(decision, chosen, chosen.queue.permitRelease(), server, servedOn, done);
		}
		else if (keyless || decision.reason() == DecisionReason.OVERFLOW) {
			waitForAny(decision, priorityClass, deadline, regularDeadline, server, servedOn, done);
		}
		else {
			Ticket ticket = chosen.queue.acquire(priorityClass, 0, deadline, regularDeadline);
			ticket.granted().whenComplete((granted, ex) -> {
				if (ex != null) {
					done.accept(false);
					return;
				}
				start(decision, chosen, ticket::release, server, servedOn, done);
			});
		}
	}

	/**
	 * Reject the service queue's overdue waiters (the instances' own queues are expired
	 * by the run).
	 * @param nowNanos the current time
	 */
	void expireOverdue(long nowNanos) {
		this.service.expireOverdue(nowNanos);
	}

	private void waitForAny(Decision decision, int priorityClass, long deadline, long regularDeadline,
			TwoLevelAdmission.Server server, Consumer<SimulatedInstance> servedOn, Consumer<Boolean> done) {
		List<Decision> candidates = new ArrayList<>();
		candidates.add(decision);
		for (Decision candidate : this.scheduler.keylessCandidates(Set.of())) {
			if (!candidate.instanceId().equals(decision.instanceId())) {
				candidates.add(candidate);
			}
		}
		List<PriorityAdmissionQueue> members = new ArrayList<>(candidates.size());
		for (Decision candidate : candidates) {
			members.add(this.byId.get(candidate.instanceId()).queue);
		}
		ServiceWaiter waiter = this.service.join(priorityClass, 0, deadline, regularDeadline, members);
		waiter.granted().whenComplete((granted, ex) -> {
			if (ex != null) {
				done.accept(false);
				return;
			}
			for (Decision candidate : candidates) {
				if (candidate.instanceId().equals(waiter.instanceId())) {
					start(candidate, this.byId.get(candidate.instanceId()), waiter::release, server, servedOn, done);
					return;
				}
			}
			throw new IllegalStateException("Granted on an instance it did not wait for: " + waiter.instanceId());
		});
	}

	private void start(Decision decision, SimulatedInstance instance, Runnable release, TwoLevelAdmission.Server server,
			Consumer<SimulatedInstance> servedOn, Consumer<Boolean> done) {
		Lease lease = this.scheduler.start(decision);
		servedOn.accept(instance);
		server.serve(instance, release, () -> {
			lease.recordResponse(false);
			lease.release();
			done.accept(true);
		});
	}

}
