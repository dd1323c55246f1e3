package io.github.latencylb.core;

/**
 * Receives a {@link Scheduler}'s pin changes, e.g. to share them with other gateway
 * replicas. Called on the request path: implementations must be quick, must not block and
 * must not throw.
 */
public interface PinListener {

	/**
	 * Listener that does nothing.
	 */
	PinListener NONE = new PinListener() {

		@Override
		public void placed(long keyHash, String instanceId, boolean home) {
		}

	};

	/**
	 * A flow was recorded on an instance: a new flow, a move, or a return home.
	 * @param keyHash the 64-bit hash of the flow key (never the key itself)
	 * @param instanceId the instance it is recorded on
	 * @param home whether that instance is the flow's ring home
	 */
	void placed(long keyHash, String instanceId, boolean home);

	/**
	 * A request of a flow recorded away from its home went to that instance, e.g. to keep
	 * the pin alive elsewhere while the flow is active here.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param instanceId the instance it is recorded on
	 */
	default void used(long keyHash, String instanceId) {
	}

}
