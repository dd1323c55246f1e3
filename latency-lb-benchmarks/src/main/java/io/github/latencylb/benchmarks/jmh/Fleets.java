package io.github.latencylb.benchmarks.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.StableHash;

/**
 * Set-up shared by the benchmarks: instance sets, flow keys, and a scheduler warmed with
 * latency samples and filled with flows.
 */
final class Fleets {

	private Fleets() {
	}

	/**
	 * Return instance ids {@code instance-0 ... instance-(n-1)} of weight 1.
	 * @param n how many
	 * @return the instances
	 */
	static List<WeightedInstance> instances(int n) {
		List<WeightedInstance> instances = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			instances.add(new WeightedInstance("instance-" + i, 1));
		}
		return instances;
	}

	/**
	 * Return distinct-looking flow-key hashes.
	 * @param n how many
	 * @param seed the seed
	 * @return the hashes
	 */
	static long[] flowKeys(int n, long seed) {
		long[] keys = new long[n];
		for (int i = 0; i < n; i++) {
			keys[i] = StableHash.hash(seed, i);
		}
		return keys;
	}

	/**
	 * Give every instance latency samples (so that scores and medians exist), then place
	 * every flow with two requests (so that it is recorded).
	 * @param scheduler the scheduler, with its instances set
	 * @param keys the flows to place
	 */
	static void warmAndFill(Scheduler scheduler, long[] keys) {
		SplittableRandom random = new SplittableRandom(1);
		for (int i = 0; i < 50 * scheduler.snapshot().instances().size(); i++) {
			Decision decision = scheduler.chooseKeyless(java.util.Set.of());
			Lease lease = scheduler.start(decision);
			lease.recordResponse(random.nextInt(100) == 0);
			lease.release();
		}
		// Twice: a flow placed at its home is recorded from its second request on.
		for (int round = 0; round < 2; round++) {
			for (long key : keys) {
				scheduler.chooseForFlow(key, java.util.Set.of());
			}
		}
	}

}
