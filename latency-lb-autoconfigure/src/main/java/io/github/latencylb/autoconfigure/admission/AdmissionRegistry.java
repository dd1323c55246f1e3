package io.github.latencylb.autoconfigure.admission;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.latencylb.core.AdmissionHandle;
import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.CappedClass;
import io.github.latencylb.core.admission.PermitPool;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.jspecify.annotations.Nullable;

/**
 * One {@link PriorityAdmissionQueue} per instance of each service, over a permit pool
 * named {@code <serviceId>:<instanceId>} (a Resilience4j bulkhead when Resilience4j is
 * present). Queues and pools of instances that left are removed, and never created again
 * for an instance that is known to have left (a request chosen just before its instance
 * left gets no queue). Thread-safe.
 */
public class AdmissionRegistry {

	private final ConcurrentMap<String, Service> services = new ConcurrentHashMap<>();

	private final BiFunction<String, String, PermitPool> pools;

	private final Consumer<String> onRemove;

	private final int maxLength;

	private final @Nullable CappedClass capped;

	/**
	 * Create a registry without a capped class.
	 * @param pools creates the permit pool of (serviceId, instanceId)
	 * @param onRemove told the name {@code <serviceId>:<instanceId>} of each removed pool
	 * @param maxLength queue length bound per instance
	 */
	public AdmissionRegistry(BiFunction<String, String, PermitPool> pools, Consumer<String> onRemove, int maxLength) {
		this(pools, onRemove, maxLength, null);
	}

	/**
	 * Create a registry.
	 * @param pools creates the permit pool of (serviceId, instanceId)
	 * @param onRemove told the name {@code <serviceId>:<instanceId>} of each removed pool
	 * @param maxLength queue length bound per instance
	 * @param capped the class allowed to jump the queue within a cap (health checks), or
	 * {@code null}
	 */
	public AdmissionRegistry(BiFunction<String, String, PermitPool> pools, Consumer<String> onRemove, int maxLength,
			@Nullable CappedClass capped) {
		this.pools = pools;
		this.onRemove = onRemove;
		this.maxLength = maxLength;
		this.capped = capped;
	}

	/**
	 * Return the name of an instance's bulkhead.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return {@code <serviceId>:<instanceId>}
	 */
	public static String nameOf(String serviceId, String instanceId) {
		return serviceId + ":" + instanceId;
	}

	/**
	 * Return an instance's queue, creating it (and its pool) on first use, unless the
	 * instance is known to have left the service.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the queue, or {@code null} if the last instance set the registry was told
	 * of (see {@link #retain}) does not contain the instance
	 */
	public @Nullable PriorityAdmissionQueue queue(String serviceId, String instanceId) {
		Service service = this.services.computeIfAbsent(serviceId, (id) -> new Service());
		PriorityAdmissionQueue queue = service.queues.get(instanceId);
		if (queue != null) {
			return queue;
		}
		synchronized (service) {
			Set<String> present = service.present;
			if (present != null && !present.contains(instanceId)) {
				return null;
			}
			queue = service.queues.computeIfAbsent(instanceId,
					(id) -> new PriorityAdmissionQueue(this.pools.apply(serviceId, instanceId), this.maxLength,
							this.capped, NanoClock.SYSTEM));
			service.slot(instanceId).queue = queue;
			return queue;
		}
	}

	/**
	 * Return an instance's queue if it exists.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the queue, or {@code null}
	 */
	public @Nullable PriorityAdmissionQueue find(String serviceId, String instanceId) {
		Service service = this.services.get(serviceId);
		return (service != null) ? service.queues.get(instanceId) : null;
	}

	/**
	 * Return a service's queues by instance id.
	 * @param serviceId the service
	 * @return an unmodifiable sorted view
	 */
	public Map<String, PriorityAdmissionQueue> queues(String serviceId) {
		Service service = this.services.get(serviceId);
		return (service != null) ? Collections.unmodifiableMap(new TreeMap<>(service.queues)) : Map.of();
	}

	/**
	 * Return what a service's scheduler may see of admission: an instance with no queue
	 * yet has free permits and nobody waiting.
	 * @param serviceId the service
	 * @return the view
	 */
	public AdmissionView viewOf(String serviceId) {
		return viewOf(serviceId, 1);
	}

	/**
	 * Return what a service's scheduler may see of admission, where an instance counts as
	 * saturated only with no free permit and at least {@code overflowMinLength} requests
	 * waiting.
	 * @param serviceId the service
	 * @param overflowMinLength waiting requests that make a full instance saturated, at
	 * least 1
	 * @return the view
	 */
	public AdmissionView viewOf(String serviceId, int overflowMinLength) {
		return new AdmissionView() {

			@Override
			public boolean saturated(String instanceId) {
				PriorityAdmissionQueue queue = find(serviceId, instanceId);
				return queue != null && queue.queueLength() >= overflowMinLength
						&& queue.pool().availablePermits() == 0;
			}

			@Override
			public boolean hasFreePermit(String instanceId) {
				PriorityAdmissionQueue queue = find(serviceId, instanceId);
				return queue == null || queue.pool().availablePermits() > 0;
			}

			@Override
			public int queueLength(String instanceId) {
				PriorityAdmissionQueue queue = find(serviceId, instanceId);
				return (queue != null) ? queue.queueLength() : 0;
			}

			@Override
			public AdmissionHandle handle(String instanceId) {
				return new InstanceHandle(slot(serviceId, instanceId), overflowMinLength);
			}

		};
	}

	/**
	 * Return the slot that holds an instance's queue once it exists.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the slot, created empty if absent
	 */
	private QueueSlot slot(String serviceId, String instanceId) {
		Service service = this.services.computeIfAbsent(serviceId, (id) -> new Service());
		synchronized (service) {
			QueueSlot slot = service.slot(instanceId);
			slot.queue = service.queues.get(instanceId);
			return slot;
		}
	}

	/**
	 * Forget the queues and pools of instances no longer present, and create none for
	 * them until they are present again. Requests holding a permit of a removed pool
	 * still release it into that pool, and its waiters are still served by those releases
	 * or expire.
	 * @param serviceId the service
	 * @param present the ids of the instances present (empty when the service has none)
	 */
	public void retain(String serviceId, Set<String> present) {
		Service service = this.services.computeIfAbsent(serviceId, (id) -> new Service());
		synchronized (service) {
			service.present = Set.copyOf(present);
			service.slots.entrySet().removeIf((entry) -> {
				if (present.contains(entry.getKey())) {
					return false;
				}
				entry.getValue().queue = null;
				return true;
			});
			service.queues.keySet().removeIf((instanceId) -> {
				if (present.contains(instanceId)) {
					return false;
				}
				this.onRemove.accept(nameOf(serviceId, instanceId));
				return true;
			});
		}
	}

	/** The queues of one service and the instance set it was last told of. */
	private static final class Service {

		final ConcurrentMap<String, PriorityAdmissionQueue> queues = new ConcurrentHashMap<>();

		/** Slots handed to schedulers, by instance id; changed while holding this. */
		final ConcurrentMap<String, QueueSlot> slots = new ConcurrentHashMap<>();

		/** {@code null} until the first {@link #retain}; guarded by this. */
		@Nullable Set<String> present;

		QueueSlot slot(String instanceId) {
			return this.slots.computeIfAbsent(instanceId, (id) -> new QueueSlot());
		}

	}

	/** Where an instance's queue is, once created; {@code null} before and after. */
	private static final class QueueSlot {

		volatile @Nullable PriorityAdmissionQueue queue;

	}

	/**
	 * Admission state of one instance as its scheduler reads it: through the slot, with
	 * no lookup by id.
	 */
	private record InstanceHandle(QueueSlot slot, int overflowMinLength) implements AdmissionHandle {

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

	}

}
