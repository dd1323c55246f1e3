package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;

/**
 * Builds a {@link Topology} of warm instances of weight 1 for unit tests.
 */
final class TestTopology {

	private TestTopology() {
	}

	static Topology of(long nowNanos, String... ids) {
		SchedulerConfig config = SchedulerConfig.ofDefaults();
		Map<String, InstanceStats> instances = new LinkedHashMap<>();
		List<WeightedInstance> weighted = new ArrayList<>();
		for (String id : ids) {
			instances.put(id, new InstanceStats(id, 1, nowNanos, true, config));
			weighted.add(new WeightedInstance(id, 1));
		}
		Topology topology = new Topology(instances, ConsistentHashRing.build(weighted, 100), true);
		topology.fit = List.copyOf(topology.instances.values());
		return topology;
	}

	/** A key whose ring home is the given instance. */
	static long keyHomedAt(Topology topology, String id) {
		for (long key = 1;; key++) {
			long hash = key * 0x9E3779B97F4A7C15L;
			if (topology.ring.home(hash).equals(id)) {
				return hash;
			}
		}
	}

}
