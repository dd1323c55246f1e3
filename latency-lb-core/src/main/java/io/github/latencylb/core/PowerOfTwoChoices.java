package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Keyless requests: the better of two random eligible instances (Mitzenmacher's power of
 * two choices), preferring one that is not saturated, then one within its bounded-load
 * cap, then one taking part in the draw given its slow start, then the lower peak-EWMA
 * score. Thread-safe if the randomness is.
 */
final class PowerOfTwoChoices {

	private final RandomGenerator random;

	private final PeakEwmaCost cost;

	PowerOfTwoChoices(RandomGenerator random, PeakEwmaCost cost) {
		this.random = random;
		this.cost = cost;
	}

	/**
	 * Choose among the instances of the best {@link EligibilityLadder} rung.
	 * @param topology the current instance set
	 * @param excluded the instances the request must avoid
	 * @param totalInflight the requests in flight on the fleet
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return the chosen instance
	 */
	InstanceStats choose(Topology topology, Set<String> excluded, int totalInflight, SchedulerConfig config,
			long nowNanos) {
		return choose(EligibilityLadder.eligible(topology, excluded, nowNanos), topology.totalWeight, totalInflight,
				config, nowNanos);
	}

	/**
	 * Return the instances {@link #choose} draws from, as uncounted keyless decisions.
	 * @param topology the instance set
	 * @param excluded instance ids not to use
	 * @param nowNanos the current time
	 * @return the decisions
	 */
	static List<Decision> candidates(Topology topology, Set<String> excluded, long nowNanos) {
		List<InstanceStats> eligible = EligibilityLadder.eligible(topology, excluded, nowNanos);
		List<Decision> candidates = new ArrayList<>(eligible.size());
		for (InstanceStats instance : eligible) {
			candidates.add(instance.keyless);
		}
		return candidates;
	}

	InstanceStats choose(List<InstanceStats> pool, long totalWeight, int totalInflight, SchedulerConfig config,
			long nowNanos) {
		if (pool.size() == 1) {
			return pool.get(0);
		}
		// Both draws from one 64-bit random number (Lemire's multiply-shift on each half;
		// its bias, under n / 2^32, is far below anything measurable).
		long bits = this.random.nextLong();
		int n = pool.size();
		int i = (int) (((bits >>> 32) * n) >>> 32);
		int j = (int) (((bits & 0xFFFF_FFFFL) * (n - 1)) >>> 32);
		if (j >= i) {
			j++;
		}
		InstanceStats a = pool.get(i);
		InstanceStats b = pool.get(j);
		boolean aSaturated = a.admission().saturated();
		if (aSaturated != b.admission().saturated()) {
			return aSaturated ? b : a;
		}
		boolean aOver = BoundedLoadCap.over(a, totalWeight, totalInflight, config.boundedLoad());
		boolean bOver = BoundedLoadCap.over(b, totalWeight, totalInflight, config.boundedLoad());
		if (aOver != bOver) {
			return aOver ? b : a;
		}
		double aWarmth = SlowStartGate.warmth(a, nowNanos, config.slowStart());
		double bWarmth = SlowStartGate.warmth(b, nowNanos, config.slowStart());
		boolean aTakesPart = SlowStartGate.takesPart(aWarmth, this.random);
		boolean bTakesPart = SlowStartGate.takesPart(bWarmth, this.random);
		if (aTakesPart != bTakesPart) {
			return aTakesPart ? a : b;
		}
		return this.cost.keylessNoWorse(a, aWarmth, b, bWarmth, nowNanos) ? a : b;
	}

}
