package io.github.latencylb.core;

/**
 * What the scheduler may see of admission at each instance of its service: whether a
 * permit is free and whether requests wait. Implementations must be cheap and
 * non-blocking. The scheduler resolves one {@link #handle} per instance and reads that on
 * every decision.
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

		@Override
		public AdmissionHandle handle(String instanceId) {
			return AdmissionHandle.NONE;
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
	 * Return how many requests an instance serves at once (its permits).
	 * @param instanceId the instance
	 * @return the permits, {@code 0} when unknown
	 */
	default int permits(String instanceId) {
		return 0;
	}

	/**
	 * Return whether an instance is saturated: no free permit and requests waiting.
	 * @param instanceId the instance
	 * @return whether new work should go elsewhere if it can
	 */
	default boolean saturated(String instanceId) {
		return queueLength(instanceId) > 0 && !hasFreePermit(instanceId);
	}

	/**
	 * Return the admission state of one instance, resolved once and read on every
	 * decision. The default reads this view by id; implementations should return a handle
	 * that needs no lookup.
	 * @param instanceId the instance
	 * @return the handle
	 */
	default AdmissionHandle handle(String instanceId) {
		AdmissionView view = this;
		return new AdmissionHandle() {

			@Override
			public boolean hasFreePermit() {
				return view.hasFreePermit(instanceId);
			}

			@Override
			public boolean saturated() {
				return view.saturated(instanceId);
			}

			@Override
			public int queueLength() {
				return view.queueLength(instanceId);
			}

			@Override
			public int permits() {
				return view.permits(instanceId);
			}

		};
	}

}
