package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.PinListener;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.TopologyPhase;
import org.jspecify.annotations.Nullable;

/**
 * What this replica knows of every flow's pin, by service: its own placements (versioned
 * by the hybrid logical clock and the replica id) and those received from the other
 * replicas, applied to the local scheduler when at least as new as what it knows. Pins to
 * instances this replica does not know yet wait for its next instance list. Thread-safe.
 */
final class PinTable {

	static final long MIN_KEEP_ALIVE_NANOS = Duration.ofMillis(250).toNanos();

	private final SchedulerRegistry registry;

	private final Duration defaultIdleTimeout;

	private final HybridLogicalClock clock;

	private final String replicaId;

	private final ConcurrentMap<String, ConcurrentMap<Long, PinEntry>> services = new ConcurrentHashMap<>();

	PinTable(SchedulerRegistry registry, Duration defaultIdleTimeout, HybridLogicalClock clock, String replicaId) {
		this.registry = registry;
		this.defaultIdleTimeout = defaultIdleTimeout;
		this.clock = clock;
		this.replicaId = replicaId;
	}

	/**
	 * Listen to a scheduler's placements and apply waiting pins on its instance changes.
	 * @param scheduler the scheduler
	 * @param changes where the changes to share go (on the request path: must not block)
	 */
	void attach(Scheduler scheduler, Consumer<PinUpdate> changes) {
		String service = scheduler.serviceId();
		ConcurrentMap<Long, PinEntry> pins = pins(service);
		long ttlMillis = scheduler.config().idleTimeout().toMillis();
		scheduler.setPinListener(new PinListener() {

			@Override
			public void placed(long keyHash, String instanceId, boolean home) {
				PinUpdate update = changed(service, pins, keyHash, home ? null : instanceId, ttlMillis);
				if (update != null) {
					changes.accept(update);
				}
			}

			@Override
			public void used(long keyHash, String instanceId) {
				PinEntry entry = pins.get(keyHash);
				if (entry != null) {
					long now = System.nanoTime();
					if (now - entry.lastUsed > MIN_KEEP_ALIVE_NANOS) {
						entry.lastUsed = now;
					}
				}
			}

		});
		// Synchronously, before the first request of a new instance list is decided: a
		// flow placed at home before its pin is applied would publish a tombstone.
		scheduler.addTopologyListener(TopologyPhase.PUBLISHED, (ids) -> applyPending(scheduler));
	}

	private ConcurrentMap<Long, PinEntry> pins(String service) {
		return this.services.computeIfAbsent(service, (id) -> new ConcurrentHashMap<>());
	}

	/**
	 * A local placement, on the request path: quick, never blocks.
	 * @param service the service id
	 * @param pins the service's pins
	 * @param keyHash the flow
	 * @param instanceId where the flow is pinned, {@code null} when at home
	 * @param ttlMillis the service's idle timeout
	 * @return the change to share, or {@code null} for a flow at home that no replica
	 * moved
	 */
	private @Nullable PinUpdate changed(String service, ConcurrentMap<Long, PinEntry> pins, long keyHash,
			@Nullable String instanceId, long ttlMillis) {
		if (instanceId == null) {
			PinEntry known = pins.get(keyHash);
			if (known == null || known.instanceId == null) {
				return null;
			}
		}
		long now = System.nanoTime();
		PinUpdate update = new PinUpdate(service, keyHash, instanceId, this.clock.now(), this.replicaId, ttlMillis,
				false);
		PinEntry entry = new PinEntry(update, now, now + TimeUnit.MILLISECONDS.toNanos(ttlMillis));
		entry.lastUsed = now;
		entry.lastSent = now;
		entry.applied = true;
		pins.put(keyHash, entry);
		return update;
	}

	/**
	 * Apply a pin from another replica (or from Redis) if it is at least as new as what
	 * this replica knows.
	 * @param update the pin
	 */
	void apply(PinUpdate update) {
		this.clock.observe(update.timestamp());
		ConcurrentMap<Long, PinEntry> pins = pins(update.service());
		long now = System.nanoTime();
		long expires = now + TimeUnit.MILLISECONDS.toNanos(update.ttlMillis());
		PinEntry[] applied = new PinEntry[1];
		pins.compute(update.keyHash(), (key, known) -> {
			if (known != null) {
				int order = update.compareVersion(known.timestamp, known.replica);
				if (order < 0) {
					return known;
				}
				if (order == 0) {
					known.remoteExpires = Math.max(known.remoteExpires, expires);
					applied[0] = known;
					return known;
				}
			}
			PinEntry entry = new PinEntry(update, Long.MIN_VALUE / 4, expires);
			entry.lastUsed = now - Long.MAX_VALUE / 4;
			entry.lastSent = entry.lastUsed;
			applied[0] = entry;
			return entry;
		});
		PinEntry entry = applied[0];
		if (entry == null) {
			return;
		}
		Scheduler scheduler = this.registry.find(update.service());
		entry.applied = scheduler != null && scheduler.applyRemotePin(update.keyHash(), entry.instanceId);
	}

	/**
	 * Apply the pins that waited for instances this replica did not know.
	 * @param scheduler the scheduler whose instances changed
	 */
	private void applyPending(Scheduler scheduler) {
		ConcurrentMap<Long, PinEntry> pins = this.services.get(scheduler.serviceId());
		if (pins == null) {
			return;
		}
		long now = System.nanoTime();
		long idle = scheduler.config().idleTimeout().toNanos();
		pins.forEach((keyHash, entry) -> {
			if (!entry.applied && !entry.expired(now, idle)) {
				entry.applied = scheduler.applyRemotePin(keyHash, entry.instanceId);
			}
		});
	}

	/**
	 * Return this replica's own pins that have not expired, to re-publish after a
	 * reconnection (changes made or dropped while the store was down).
	 * @param now the current {@link System#nanoTime()}
	 * @return the pins
	 */
	List<PinUpdate> own(long now) {
		List<PinUpdate> own = new ArrayList<>();
		this.services.forEach((service, pins) -> pins.forEach((keyHash, entry) -> {
			if (entry.replica.equals(this.replicaId) && !entry.expired(now, idleNanos(service))) {
				own.add(entry.toUpdate(service, keyHash, ttlMillis(service), false));
			}
		}));
		return own;
	}

	/**
	 * Touch pins used here since they were last sent (at most every quarter of the idle
	 * timeout), and forget expired ones.
	 * @param now the current {@link System#nanoTime()}
	 * @param touches where the touches go
	 * @return the nanos until the next sweep is due
	 */
	long sweep(long now, Consumer<PinUpdate> touches) {
		long next = Long.MAX_VALUE;
		for (Map.Entry<String, ConcurrentMap<Long, PinEntry>> service : this.services.entrySet()) {
			long idle = idleNanos(service.getKey());
			long keepAlive = Math.max(MIN_KEEP_ALIVE_NANOS, idle / 4);
			next = Math.min(next, keepAlive / 2);
			long ttlMillis = ttlMillis(service.getKey());
			service.getValue().entrySet().removeIf((e) -> {
				PinEntry entry = e.getValue();
				if (entry.expired(now, idle)) {
					return true;
				}
				if (entry.instanceId != null && entry.lastUsed - entry.lastSent > 0
						&& now - entry.lastSent >= keepAlive) {
					entry.lastSent = now;
					touches.accept(entry.toUpdate(service.getKey(), e.getKey(), ttlMillis, true));
				}
				return false;
			});
		}
		return (next == Long.MAX_VALUE) ? MIN_KEEP_ALIVE_NANOS : next;
	}

	private long idleNanos(String service) {
		return TimeUnit.MILLISECONDS.toNanos(ttlMillis(service));
	}

	private long ttlMillis(String service) {
		Scheduler scheduler = this.registry.find(service);
		return ((scheduler != null) ? scheduler.config().idleTimeout() : this.defaultIdleTimeout).toMillis();
	}

}
