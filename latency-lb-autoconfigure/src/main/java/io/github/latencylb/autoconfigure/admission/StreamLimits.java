package io.github.latencylb.autoconfigure.admission;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * Per-instance limits of long-lived streams (server-sent events): a stream that a request
 * permit admitted moves to its instance's stream limit when its response headers say
 * {@code text/event-stream}, so that streams never hold the permits of ordinary requests
 * for their whole life. Non-blocking; thread-safe. Limits of instances that left are
 * forgotten; a stream still open on one gives its slot back there.
 */
public class StreamLimits {

	private final ConcurrentMap<String, ConcurrentMap<String, Semaphore>> limits = new ConcurrentHashMap<>();

	private final int maxStreams;

	/**
	 * Create the limits.
	 * @param maxStreams concurrent streams per instance, or 0 for as many as the
	 * instance's concurrent requests
	 */
	public StreamLimits(int maxStreams) {
		if (maxStreams < 0) {
			throw new IllegalArgumentException("maxStreams must be >= 0, was " + maxStreams);
		}
		this.maxStreams = maxStreams;
	}

	/**
	 * Take a stream slot of an instance if one is free.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @param maxRequests the instance's concurrent requests (the default limit)
	 * @return what gives the slot back (exactly once), or {@code null} if none is free
	 */
	public @Nullable Runnable tryAcquire(String serviceId, String instanceId, int maxRequests) {
		int max = (this.maxStreams > 0) ? this.maxStreams : maxRequests;
		Semaphore slots = this.limits.computeIfAbsent(serviceId, (id) -> new ConcurrentHashMap<>())
			.computeIfAbsent(instanceId, (id) -> new Semaphore(max));
		if (!slots.tryAcquire()) {
			return null;
		}
		AtomicBoolean released = new AtomicBoolean();
		return () -> {
			if (released.compareAndSet(false, true)) {
				slots.release();
			}
		};
	}

	/**
	 * Return the free stream slots of an instance.
	 * @param serviceId the service
	 * @param instanceId the instance
	 * @return the free slots, or -1 if the instance has no stream limit yet
	 */
	public int available(String serviceId, String instanceId) {
		Map<String, Semaphore> service = this.limits.get(serviceId);
		Semaphore slots = (service != null) ? service.get(instanceId) : null;
		return (slots != null) ? slots.availablePermits() : -1;
	}

	/**
	 * Forget the limits of instances no longer present.
	 * @param serviceId the service
	 * @param present the ids of the instances present
	 */
	public void retain(String serviceId, Set<String> present) {
		Map<String, Semaphore> service = this.limits.get(serviceId);
		if (service != null) {
			service.keySet().retainAll(present);
		}
	}

}
