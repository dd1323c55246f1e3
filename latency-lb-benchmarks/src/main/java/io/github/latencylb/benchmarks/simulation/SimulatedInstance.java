package io.github.latencylb.benchmarks.simulation;

import java.util.List;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.CappedClass;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;

/**
 * One backend instance: {@code workers} requests are served at once, each for an
 * exponential time of mean {@code meanServiceNanos x slowdown}; the others wait in the
 * instance's queue, the core's {@link PriorityAdmissionQueue} (first come first served
 * when every request has the same priority class), up to a length and a deadline. Not
 * thread-safe.
 */
final class SimulatedInstance {

	/** The capped class of health checks, with the starter's default cap. */
	static final CappedClass HEALTH_CHECKS = new CappedClass(ScenarioRun.HEALTH_CHECK_CLASS, 2, 5, 0);

	final String id;

	final int index;

	final SemaphorePermitPool permits;

	final PriorityAdmissionQueue queue;

	/** Multiplier of the mean service time (1 = nominal, 5 = five times slower). */
	double slowdown = 1.0;

	/** Whether the instance is in the fleet (discovery lists it). */
	boolean present = true;

	/** Requests dispatched to it in the current report window. */
	long windowDispatched;

	SimulatedInstance(String id, int index, int workers, int maxQueue, NanoClock clock) {
		this.id = id;
		this.index = index;
		this.permits = new SemaphorePermitPool(workers);
		this.queue = new PriorityAdmissionQueue(this.permits, maxQueue, HEALTH_CHECKS, clock);
	}

	/**
	 * Expire the overdue waiters of every instance.
	 * @param instances the instances
	 * @param nowNanos the current time
	 * @return whether any request still waits
	 */
	static boolean expireOverdue(List<SimulatedInstance> instances, long nowNanos) {
		boolean waiting = false;
		for (SimulatedInstance instance : instances) {
			if (instance.queue.queueLength() > 0) {
				instance.queue.expireOverdue(nowNanos);
				waiting |= instance.queue.queueLength() > 0;
			}
		}
		return waiting;
	}

}
