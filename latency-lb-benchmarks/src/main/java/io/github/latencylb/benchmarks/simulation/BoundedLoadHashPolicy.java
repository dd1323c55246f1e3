package io.github.latencylb.benchmarks.simulation;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam), decided per
 * request as HAProxy's {@code hash-balance-factor} does: walk the ring from the key's
 * home and take the first instance whose in-flight count stays within
 * {@code ceil(c x (total in-flight + 1) / n)}, {@code c = 1.25}. Nothing is remembered
 * per flow and latency is not looked at.
 */
final class BoundedLoadHashPolicy extends RingHashPolicy {

	/** The balance factor {@code c}, as the hybrid's default. */
	static final double BALANCE_FACTOR = 1.25;

	BoundedLoadHashPolicy(RandomGenerator random) {
		super(random);
	}

	@Override
	String select(long key) {
		long cap = (long) Math.ceil(BALANCE_FACTOR * (this.totalInflight + 1) / this.ids.size());
		List<String> walk = this.ring.preferenceList(key, 1, (id) -> inflight(id) + 1 <= cap);
		return walk.isEmpty() ? this.ring.home(key) : walk.get(0);
	}

}
