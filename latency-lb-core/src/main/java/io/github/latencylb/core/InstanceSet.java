package io.github.latencylb.core;

import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;

/**
 * The instance set of one service and its ring, swapped by reference on each change:
 * instances seen for the first time after the first non-empty set start slow start,
 * unless they join within the settle period after it; departed instances are forgotten;
 * an instance whose weight changed keeps its state but for its weight. Each instance's
 * {@link AdmissionHandle} is resolved here, once. Changes are serialised on this object.
 */
final class InstanceSet {

	private final NanoClock clock;

	private final Map<TopologyPhase, List<Consumer<Set<String>>>> listeners = new EnumMap<>(TopologyPhase.class);

	private volatile Topology topology = Topology.EMPTY;

	/** When the first non-empty instance list arrived; guarded by {@code this}. */
	private long firstListNanos;

	private volatile AdmissionView admission = AdmissionView.NONE;

	InstanceSet(NanoClock clock) {
		this.clock = clock;
		for (TopologyPhase phase : TopologyPhase.values()) {
			this.listeners.put(phase, new CopyOnWriteArrayList<>());
		}
	}

	Topology current() {
		return this.topology;
	}

	/**
	 * Replace the instance set, unless it is the same. {@code changed} runs with the new
	 * set in place, before the listeners, while holding this object's lock.
	 * @param instances the new instances with their weights
	 * @param ringBuilder builds the ring of the instances with a number of virtual nodes
	 * @param config the scheduler configuration
	 * @param changed called with the time of the change
	 * @return whether the set changed
	 */
	boolean update(Collection<WeightedInstance> instances,
			BiFunction<Collection<WeightedInstance>, Integer, ConsistentHashRing> ringBuilder, SchedulerConfig config,
			LongConsumer changed) {
		if (this.topology.sameAs(instances)) {
			// The same instances, perhaps as other objects: their tags follow the list.
			retag(this.topology, instances);
			return false;
		}
		// Built before taking the lock, and swapped in by reference: with large weights
		// a ring takes long to build, and nothing needs to wait for it.
		return apply(instances, ringBuilder.apply(instances, config.ring().virtualNodes()), config, changed);
	}

	private synchronized boolean apply(Collection<WeightedInstance> instances, ConsistentHashRing ring,
			SchedulerConfig config, LongConsumer changed) {
		Topology current = this.topology;
		if (current.sameAs(instances)) {
			return false;
		}
		long now = this.clock.nanoTime();
		boolean initial = current.isEmpty() && !current.everPopulated;
		if (initial && !instances.isEmpty()) {
			this.firstListNanos = now;
		}
		// Joining within the settle period after the first list: present at start-up,
		// merely emitted late (e.g. by a health-check supplier), so no slow start.
		boolean settling = current.everPopulated
				&& now - this.firstListNanos < config.slowStart().settlePeriod().toNanos();
		Map<String, InstanceStats> next = new LinkedHashMap<>();
		for (WeightedInstance instance : instances) {
			InstanceStats existing = current.get(instance.id());
			InstanceStats stats;
			if (existing != null && existing.weight == instance.weight()) {
				stats = existing;
			}
			else {
				boolean warm = initial || settling || (existing != null && existing.warmth(now, config) >= 1.0);
				stats = new InstanceStats(instance.id(), instance.weight(), now, warm, config);
				if (existing != null) {
					stats.draining = existing.draining;
				}
				stats.admission = this.admission.handle(instance.id());
			}
			stats.tag = instance.tag();
			next.put(instance.id(), stats);
		}
		// BEFORE_PUBLICATION listeners (admission: which instances get queues) learn of
		// the new set before any decision can name one of its instances: a request that
		// sees the new topology must find its instance's queue (a first burst of requests
		// raced this and got queue_full). PUBLISHED ones run once the set is published,
		// so
		// that they can use it (e.g. apply pins waiting for an instance).
		Set<String> ids = Set.copyOf(next.keySet());
		this.listeners.get(TopologyPhase.BEFORE_PUBLICATION).forEach((listener) -> listener.accept(ids));
		this.topology = new Topology(next, ring, current.everPopulated || !next.isEmpty());
		changed.accept(now);
		this.listeners.get(TopologyPhase.PUBLISHED).forEach((listener) -> listener.accept(ids));
		return true;
	}

	private static void retag(Topology topology, Collection<WeightedInstance> instances) {
		for (WeightedInstance instance : instances) {
			InstanceStats stats = topology.get(instance.id());
			if (stats != null && stats.tag != instance.tag()) {
				stats.tag = instance.tag();
			}
		}
	}

	/**
	 * Register a listener: called at once with the current ids, then on each change,
	 * before the new set is published ({@link TopologyPhase#BEFORE_PUBLICATION}: no
	 * decision names a new instance before it ran) or after.
	 * @param phase when it runs on a change
	 * @param listener called with the instance ids
	 */
	synchronized void addListener(TopologyPhase phase, Consumer<Set<String>> listener) {
		listener.accept(Set.copyOf(this.topology.instances.keySet()));
		this.listeners.get(phase).add(listener);
	}

	/**
	 * Mark an instance as draining or active again; {@code false} if unknown.
	 * @param instanceId the instance
	 * @param draining whether it drains
	 * @return whether the instance is known
	 */
	boolean setDraining(String instanceId, boolean draining) {
		InstanceStats stats = this.topology.get(instanceId);
		if (stats == null) {
			return false;
		}
		stats.draining = draining;
		return true;
	}

	/**
	 * Use another admission view, resolving the handle of every instance present.
	 * @param admission the admission view
	 */
	synchronized void setAdmission(AdmissionView admission) {
		this.admission = admission;
		for (InstanceStats s : this.topology.instances.values()) {
			s.admission = admission.handle(s.id);
		}
	}

}
