package io.github.latencylb.autoconfigure.admission;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.admission.PermitPool;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.jspecify.annotations.Nullable;

/**
 * One {@link PriorityAdmissionQueue} per instance of each service, over a permit pool
 * named {@code <serviceId>:<instanceId>} (a Resilience4j bulkhead when Resilience4j is
 * present). Queues and pools of instances that left are removed. Thread-safe.
 */
public class AdmissionRegistry {

	private final ConcurrentMap<String, ConcurrentMap<String, PriorityAdmissionQueue>> queues = new ConcurrentHashMap<>();

	private final BiFunction<String, String, PermitPool> pools;

	private final Consumer<String> onRemove;

	private final int maxLength;

	/**
	 * Create a registry.
	 * @param pools creates the permit pool of (serviceId, instanceId)
	 * @param onRemove told the name {@code <serviceId>:<instanceId>} of each removed pool
	 * @param maxLength queue length bound per instance
	 */
	public AdmissionRegistry(BiFunction<String, String, PermitPool> pools, Consumer<String> onRemove, int maxLength) {
		this.pools = pools;
		this.onRemove = onRemove;
		this.maxLength = maxLength;
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
	 * Return an instance's queue, creating it (and its pool) on first use.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the queue
	 */
	public PriorityAdmissionQueue queue(String serviceId, String instanceId) {
		return this.queues.computeIfAbsent(serviceId, (id) -> new ConcurrentHashMap<>())
			.computeIfAbsent(instanceId,
					(id) -> new PriorityAdmissionQueue(this.pools.apply(serviceId, instanceId), this.maxLength));
	}

	/**
	 * Return an instance's queue if it exists.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the queue, or {@code null}
	 */
	public @Nullable PriorityAdmissionQueue find(String serviceId, String instanceId) {
		Map<String, PriorityAdmissionQueue> service = this.queues.get(serviceId);
		return (service != null) ? service.get(instanceId) : null;
	}

	/**
	 * Return a service's queues by instance id.
	 * @param serviceId the service
	 * @return an unmodifiable sorted view
	 */
	public Map<String, PriorityAdmissionQueue> queues(String serviceId) {
		Map<String, PriorityAdmissionQueue> service = this.queues.get(serviceId);
		return (service != null) ? Collections.unmodifiableMap(new TreeMap<>(service)) : Map.of();
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

		};
	}

	/**
	 * Forget the queues and pools of instances no longer present. Requests holding a
	 * permit of a removed pool still release it into that pool.
	 * @param serviceId the service
	 * @param present the ids of the instances present
	 */
	public void retain(String serviceId, Set<String> present) {
		Map<String, PriorityAdmissionQueue> service = this.queues.get(serviceId);
		if (service == null) {
			return;
		}
		service.keySet().removeIf((instanceId) -> {
			if (present.contains(instanceId)) {
				return false;
			}
			this.onRemove.accept(nameOf(serviceId, instanceId));
			return true;
		});
	}

}
