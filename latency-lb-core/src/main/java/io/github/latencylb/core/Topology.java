package io.github.latencylb.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;

/**
 * One instance set of a service with its ring. Immutable but for the cached {@code fit}
 * list, which each refresh replaces.
 */
final class Topology {

	static final Topology EMPTY = new Topology(Map.of(), ConsistentHashRing.build(List.of(), 1), false);

	final Map<String, InstanceStats> instances;

	final ConsistentHashRing ring;

	final long totalWeight;

	final boolean everPopulated;

	/** Instances fit for new flows and keyless requests at the last refresh. */
	volatile List<InstanceStats> fit = List.of();

	Topology(Map<String, InstanceStats> instances, ConsistentHashRing ring, boolean everPopulated) {
		this.instances = new HashMap<>(instances);
		this.ring = ring;
		this.everPopulated = everPopulated;
		long total = 0;
		for (InstanceStats s : instances.values()) {
			total += s.weight;
		}
		this.totalWeight = Math.max(1, total);
	}

	boolean isEmpty() {
		return this.instances.isEmpty();
	}

	InstanceStats get(String id) {
		return this.instances.get(id);
	}

	/**
	 * Whether this set has exactly these instances with these weights.
	 * @param candidates the instances with their weights
	 * @return whether the set is the same
	 */
	boolean sameAs(Collection<WeightedInstance> candidates) {
		if (candidates.size() != this.instances.size()) {
			return false;
		}
		for (WeightedInstance candidate : candidates) {
			InstanceStats s = this.instances.get(candidate.id());
			if (s == null || s.weight != candidate.weight()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether an instance is the one this set has under its id (not a departed one, nor
	 * an older one under another weight).
	 * @param instance the instance
	 * @return whether it is the current one
	 */
	boolean holds(InstanceStats instance) {
		return this.instances.get(instance.id) == instance;
	}

}
