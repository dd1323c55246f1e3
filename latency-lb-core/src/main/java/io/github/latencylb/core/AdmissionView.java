package io.github.latencylb.core;

/**
 * What the scheduler may see of admission at each instance of its service: whether a
 * permit is free and whether requests wait. Implementations must be cheap and
 * non-blocking; they are read on every decision.
 */
public interface AdmissionView {

	/**
	 * A view where every instance has a free permit and no queue.
	 */
	AdmissionView NONE = new AdmissionView() {

		@Override
		public boolean hasFreePermit(String instanceId) {
			return true;
		}

		@Override
		public int queueLength(String instanceId) {
			return 0;
		}

	};

	/**
	 * Return whether an instance has a free permit.
	 * @param instanceId the instance
	 * @return whether a request would be admitted at once
	 */
	boolean hasFreePermit(String instanceId);

	/**
	 * Return how many requests wait for a permit of an instance.
	 * @param instanceId the instance
	 * @return the queue length
	 */
	int queueLength(String instanceId);

	/**
	 * Return whether an instance is saturated: no free permit and requests waiting.
	 * @param instanceId the instance
	 * @return whether new work should go elsewhere if it can
	 */
	default boolean saturated(String instanceId) {
		return queueLength(instanceId) > 0 && !hasFreePermit(instanceId);
	}

}
