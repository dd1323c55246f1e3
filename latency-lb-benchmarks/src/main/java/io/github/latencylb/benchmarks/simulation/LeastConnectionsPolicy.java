package io.github.latencylb.benchmarks.simulation;

import java.util.random.RandomGenerator;

/**
 * Least connections: the instance with the fewest requests in flight, random among ties
 * (a fixed tie order would herd onto the first instance at low load).
 */
final class LeastConnectionsPolicy extends InflightPolicy {

	private final RandomGenerator random;

	LeastConnectionsPolicy(RandomGenerator random) {
		this.random = random;
	}

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		int best = Integer.MAX_VALUE;
		int ties = 0;
		String chosen = null;
		for (String id : this.ids) {
			int load = inflight(id);
			if (load < best) {
				best = load;
				chosen = id;
				ties = 1;
			}
			else if (load == best && this.random.nextInt(++ties) == 0) {
				// Reservoir sampling: each tied instance is kept with equal probability.
				chosen = id;
			}
		}
		return started(chosen, 0);
	}

}
