package io.github.latencylb.benchmarks.simulation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.github.latencylb.benchmarks.simulation.Policy.Pick;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.latencylb.core.admission.ServiceWaiter;
import io.github.latencylb.core.admission.Ticket;
import io.github.latencylb.core.admission.WaitRank;
import org.jspecify.annotations.Nullable;

/**
 * The simulation's wiring of the core's {@link ServiceQueue} to the instances'
 * {@link PriorityAdmissionQueue}s, as phase 2 will wire it in the starter: keyless
 * requests join the service queue (taking a free permit of the least loaded fit instance
 * at once if there is one), and every permit freed on an instance is offered to the
 * service queue against the head of the instance's own queue. The instance queue does not
 * expose its head's arrival time, so its head ranks by class only and wins ties within a
 * class (in the surge, the only scenario with keyless traffic, instance queues hold no
 * regular request).
 */
final class TwoLevelAdmission {

	private final FlowFairPolicy policy;

	private final Map<String, SimulatedInstance> byId;

	private final ServiceQueue service;

	private final Map<String, ServiceQueue.Member> members = new HashMap<>();

	TwoLevelAdmission(FlowFairPolicy policy, Map<String, SimulatedInstance> byId, NanoClock clock) {
		this.policy = policy;
		this.byId = byId;
		this.service = new ServiceQueue(ScenarioRun.QUEUE_MAX_LENGTH, clock);
	}

	/**
	 * Admit a keyless request through the service queue.
	 * @param priorityClass its class
	 * @param deadline the end of its whole wait
	 * @param server serves a request on an instance with a permit
	 * @param done told whether it was served (after the response) or rejected
	 */
	void admit(int priorityClass, long deadline, Server server, Consumer<Boolean> done) {
		List<ServiceQueue.Member> fit = new ArrayList<>();
		for (String id : this.policy.fit()) {
			fit.add(member(this.byId.get(id)));
		}
		ServiceWaiter waiter = this.service.join(priorityClass, 0, deadline, fit);
		waiter.granted().whenComplete((granted, ex) -> {
			if (ex != null) {
				done.accept(false);
				return;
			}
			SimulatedInstance instance = this.byId.get(waiter.instanceId());
			Pick pick = this.policy.startOn(instance.id, 0, true);
			pick.admitted();
			server.serve(instance, waiter::release, () -> {
				pick.completed(false);
				done.accept(true);
			});
		});
	}

	/**
	 * Return a permit of an instance: to the service queue's best fit waiter if it ranks
	 * before the instance's own head, else to the instance's queue.
	 * @param instance the instance
	 * @param ticket the ticket holding the permit
	 */
	void release(SimulatedInstance instance, Ticket ticket) {
		ServiceWaiter waiter = this.service.claim(member(instance), ownHead(instance), () -> release(instance, ticket));
		if (waiter != null) {
			waiter.signalGranted();
		}
		else {
			ticket.release();
		}
	}

	void expireOverdue(long nowNanos) {
		this.service.expireOverdue(nowNanos);
	}

	private @Nullable WaitRank ownHead(SimulatedInstance instance) {
		if (instance.queue.queueLength() == 0) {
			return null;
		}
		return new WaitRank(instance.queue.queueLengthByClass().firstKey(), 0, Long.MIN_VALUE);
	}

	private ServiceQueue.Member member(SimulatedInstance instance) {
		return this.members.computeIfAbsent(instance.id, (id) -> new ServiceQueue.Member() {

			@Override
			public String instanceId() {
				return id;
			}

			@Override
			public @Nullable Runnable tryAcquire() {
				if (instance.permits.availablePermits() == 0 || instance.queue.queueLength() > 0) {
					return null;
				}
				Ticket ticket = instance.queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
				return () -> release(instance, ticket);
			}

			@Override
			public void offerFreePermits() {
				while (instance.permits.availablePermits() > 0 && instance.queue.queueLength() == 0) {
					Ticket ticket = instance.queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
					ServiceWaiter waiter = TwoLevelAdmission.this.service.claim(this, null,
							() -> release(instance, ticket));
					if (waiter == null) {
						ticket.release();
						return;
					}
					waiter.signalGranted();
				}
			}

		});
	}

	/**
	 * Serves a request on an instance.
	 */
	@FunctionalInterface
	interface Server {

		void serve(SimulatedInstance instance, Runnable release, Runnable responded);

	}

}
