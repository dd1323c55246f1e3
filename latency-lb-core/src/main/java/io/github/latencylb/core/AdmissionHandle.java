package io.github.latencylb.core;

/**
 * What the scheduler may see of admission at one instance, resolved once per instance
 * (when the instance joins, or when the admission view is set) and kept with the
 * instance's state, so that a decision never looks admission state up by id.
 * Implementations must be cheap and non-blocking; they are read on every decision.
 */
public interface AdmissionHandle {

	/**
	 * A handle of an instance with a free permit and no queue.
	 */
	AdmissionHandle NONE = new AdmissionHandle() {

		@Override
		public boolean hasFreePermit() {
			return true;
		}

		@Override
		public boolean saturated() {
			return false;
		}

	};

	/**
	 * Return whether the instance has a free permit.
	 * @return whether a request would be admitted at once
	 */
	boolean hasFreePermit();

	/**
	 * Return whether the instance is saturated: no free permit and requests waiting.
	 * @return whether new work should go elsewhere if it can
	 */
	boolean saturated();

	/**
	 * Return how many requests wait for a permit of the instance; {@code 0} when unknown
	 * (a flow whose home is full then expects to wait one service time).
	 * @return the queue length
	 */
	default int queueLength() {
		return 0;
	}

	/**
	 * Return how many requests the instance serves at once (its permits); {@code 0} when
	 * unknown (the scheduler then takes its requests in flight).
	 * @return the permits
	 */
	default int permits() {
		return 0;
	}

}
