package io.github.latencylb.benchmarks.simulation;

import java.util.List;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.ConsistentHashRing;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;

/**
 * Plain consistent hashing: every request goes to its key's home on the core's
 * {@link ConsistentHashRing} (1,000 virtual nodes per instance), whatever its load or
 * latency. Keyless requests get a random key.
 */
class RingHashPolicy extends InflightPolicy {

	/** Virtual nodes per instance, as the hybrid's default. */
	static final int VIRTUAL_NODES = 1000;

	private final RandomGenerator random;

	/** The ring of the instances present. */
	protected ConsistentHashRing ring = ConsistentHashRing.build(List.of(), 1);

	RingHashPolicy(RandomGenerator random) {
		this.random = random;
	}

	@Override
	public void instancesChanged(List<String> ids) {
		super.instancesChanged(ids);
		this.ring = ConsistentHashRing.build(ids.stream().map((id) -> new WeightedInstance(id, 1)).toList(),
				VIRTUAL_NODES);
	}

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		long key = keyless ? this.random.nextLong() : flowHash;
		return started(select(key), 0);
	}

	/**
	 * Select the instance of a key.
	 * @param key the key's hash
	 * @return the instance id
	 */
	String select(long key) {
		return this.ring.home(key);
	}

}
