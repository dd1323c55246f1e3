package io.github.latencylb.benchmarks.simulation;

import java.util.Map;

import io.github.latencylb.core.AdmissionView;

/**
 * What the starter's admission queues tell the scheduler, read from the simulated
 * instances.
 *
 * @param byId the simulated instances by id
 */
record QueueAdmissionView(Map<String, SimulatedInstance> byId) implements AdmissionView {

	@Override
	public boolean hasFreePermit(String instanceId) {
		return this.byId.get(instanceId).permits.availablePermits() > 0;
	}

	@Override
	public int queueLength(String instanceId) {
		return this.byId.get(instanceId).queue.queueLength();
	}

	@Override
	public int permits(String instanceId) {
		return this.byId.get(instanceId).permits.maxPermits();
	}

}
