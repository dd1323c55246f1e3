package io.github.latencylb.autoconfigure.state;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import org.jspecify.annotations.Nullable;

/**
 * Admission state (per-instance priority queues and bulkheads, per-service queue and
 * retry budget) shown by the {@code latencylb} endpoint and the queue-length gauges.
 * Implemented by the admission layer as a single bean; without one, {@link #NONE} applies
 * and the endpoint shows no queue, bulkhead or retry budget. Called on endpoint reads and
 * metric scrapes: implementations must be thread-safe and must not block.
 */
public interface AdmissionStateProvider {

	/**
	 * No admission: no queue, no bulkhead, no retry budget.
	 */
	AdmissionStateProvider NONE = new AdmissionStateProvider() {
	};

	/**
	 * Return the admission state of one instance.
	 * @param serviceId the service id
	 * @param instanceId the instance id
	 * @return its state, or {@code null} when admission does not run for it
	 */
	default @Nullable InstanceAdmission instance(String serviceId, String instanceId) {
		return null;
	}

	/**
	 * Return how many requests without a flow key wait in the service's queue for any fit
	 * instance.
	 * @param serviceId the service id
	 * @return the length, empty when the service has no service queue
	 */
	default OptionalInt serviceQueueLength(String serviceId) {
		return OptionalInt.empty();
	}

	/**
	 * Return how many retries the service's retry budget allows right now.
	 * @param serviceId the service id
	 * @return the retries left, empty when the service has no retry budget
	 */
	default OptionalDouble retryBudgetLeft(String serviceId) {
		return OptionalDouble.empty();
	}

	/**
	 * Admission state of one instance.
	 *
	 * @param queueLengths requests waiting, by priority class (lower is served first);
	 * classes with no waiting request may be left out
	 * @param bulkhead the instance's bulkhead permits, or {@code null} when it has none
	 */
	record InstanceAdmission(Map<Integer, Integer> queueLengths, @Nullable Permits bulkhead) {

		/**
		 * Return the requests waiting in all classes.
		 * @return the total queue length
		 */
		public int totalQueueLength() {
			int total = 0;
			for (int length : this.queueLengths.values()) {
				total += length;
			}
			return total;
		}

	}

	/**
	 * Permits of a bulkhead.
	 *
	 * @param available permits free now
	 * @param max permits in all
	 */
	record Permits(int available, int max) {
	}

}
