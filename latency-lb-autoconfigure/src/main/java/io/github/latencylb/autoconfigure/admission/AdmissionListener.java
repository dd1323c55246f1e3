package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.core.admission.AdmissionRejectedException;

/**
 * Observer of admission outcomes, e.g. for metrics. Must be quick and must not throw.
 */
public interface AdmissionListener {

	/**
	 * No-op listener.
	 */
	AdmissionListener NONE = new AdmissionListener() {
	};

	/**
	 * A request got its permit.
	 * @param serviceId the service
	 * @param priorityClass its class
	 * @param waitedNanos how long it waited in the queue
	 */
	default void admitted(String serviceId, int priorityClass, long waitedNanos) {
	}

	/**
	 * A request was turned away.
	 * @param serviceId the service
	 * @param priorityClass its class
	 * @param cause full queue or timeout
	 */
	default void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause) {
	}

}
