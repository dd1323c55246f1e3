package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.core.AdmissionHandle;
import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.jspecify.annotations.Nullable;

/**
 * Where an instance's queue in an {@link AdmissionRegistry} is, once created;
 * {@code null} before and after. Schedulers keep one per instance (in a {@link Handle})
 * and read admission state through it, never by looking an id up.
 */
final class QueueSlot {

	volatile @Nullable PriorityAdmissionQueue queue;

	/**
	 * Admission state of one instance as its scheduler reads it: through the slot, with
	 * no lookup by id.
	 *
	 * @param registry the registry the slot belongs to
	 * @param slot the slot
	 * @param overflowMinLength waiting requests that make a full instance saturated
	 */
	record Handle(AdmissionRegistry registry, QueueSlot slot, int overflowMinLength) implements AdmissionHandle {

		@Override
		public boolean hasFreePermit() {
			PriorityAdmissionQueue queue = this.slot.queue;
			return queue == null || queue.pool().availablePermits() > 0;
		}

		@Override
		public boolean saturated() {
			PriorityAdmissionQueue queue = this.slot.queue;
			return queue != null && queue.queueLength() >= this.overflowMinLength
					&& queue.pool().availablePermits() == 0;
		}

		@Override
		public int queueLength() {
			PriorityAdmissionQueue queue = this.slot.queue;
			return (queue != null) ? queue.queueLength() : 0;
		}

		@Override
		public int permits() {
			PriorityAdmissionQueue queue = this.slot.queue;
			return (queue != null) ? queue.pool().maxPermits() : 0;
		}

	}

	/**
	 * What a service's scheduler may see of admission, where an instance counts as
	 * saturated only with no free permit and at least {@code overflowMinLength} requests
	 * waiting; an instance with no queue yet has free permits and nobody waiting.
	 *
	 * @param registry the registry
	 * @param serviceId the service
	 * @param overflowMinLength waiting requests that make a full instance saturated
	 */
	record View(AdmissionRegistry registry, String serviceId, int overflowMinLength) implements AdmissionView {

		@Override
		public boolean saturated(String instanceId) {
			PriorityAdmissionQueue queue = this.registry.find(this.serviceId, instanceId);
			return queue != null && queue.queueLength() >= this.overflowMinLength
					&& queue.pool().availablePermits() == 0;
		}

		@Override
		public boolean hasFreePermit(String instanceId) {
			PriorityAdmissionQueue queue = this.registry.find(this.serviceId, instanceId);
			return queue == null || queue.pool().availablePermits() > 0;
		}

		@Override
		public int queueLength(String instanceId) {
			PriorityAdmissionQueue queue = this.registry.find(this.serviceId, instanceId);
			return (queue != null) ? queue.queueLength() : 0;
		}

		@Override
		public int permits(String instanceId) {
			PriorityAdmissionQueue queue = this.registry.find(this.serviceId, instanceId);
			return (queue != null) ? queue.pool().maxPermits() : 0;
		}

		@Override
		public AdmissionHandle handle(String instanceId) {
			return new Handle(this.registry, this.registry.slot(this.serviceId, instanceId), this.overflowMinLength);
		}

	}

}
