package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Cost formulas: peak EWMA (Finagle's, Linkerd's), with the fleet's median EWMA for an
 * instance with no sample yet, and the scores built on it. Thread-safe.
 */
final class PeakEwmaCost {

	/** Cost of an instance with no sample while no instance has one. */
	private static final double UNKNOWN_COST = 1_000_000;

	/** Relative rounding tolerance under which two scores tie. */
	private static final double TIE = 1 + 1e-12;

	private volatile double defaultCost = -1;

	/**
	 * Recompute the cost of instances with no sample: the fleet's (lower) median EWMA.
	 * @param instances the instances of the fleet
	 * @param nowNanos the current time
	 */
	void refresh(Collection<InstanceStats> instances, long nowNanos) {
		List<Double> costs = new ArrayList<>();
		for (InstanceStats s : instances) {
			double cost = s.ewma.value(nowNanos);
			if (cost >= 0) {
				costs.add(cost);
			}
		}
		if (!costs.isEmpty()) {
			Collections.sort(costs);
			this.defaultCost = costs.get((costs.size() - 1) / 2);
		}
	}

	/**
	 * Peak EWMA, or the fleet's median EWMA for an instance with no sample yet.
	 * @param instance the instance
	 * @param nowNanos the current time
	 * @return the cost in nanoseconds
	 */
	double cost(InstanceStats instance, long nowNanos) {
		double cost = instance.ewma.value(nowNanos);
		return (cost < 0) ? unseenCost() : cost;
	}

	/**
	 * Peak EWMA x (in-flight / warmth + 1) / weight. With {@link PowerOfTwoChoices}
	 * letting a warming instance take part in a draw only with probability
	 * {@code warmth}, its share of keyless requests follows its effective weight both
	 * when nothing is in flight and under load (as in weighted least request).
	 * @param instance the instance
	 * @param warmth the instance's slow-start warmth
	 * @param nowNanos the current time
	 * @return the score, lower is better
	 */
	double keylessScore(InstanceStats instance, double warmth, long nowNanos) {
		return cost(instance, nowNanos) * load(instance, warmth);
	}

	/**
	 * Whether {@code a}'s {@link #keylessScore} is at most {@code b}'s, with at most one
	 * {@code exp} instead of two (none when bounds of it decide):
	 * {@code ca e^-x x la <= cb e^-y x lb} holds exactly when
	 * {@code ca x la x e^(y-x) <= cb x lb}. Scores equal within rounding tie, and a tie
	 * goes to {@code a}.
	 * @param a an instance
	 * @param aWarmth its slow-start warmth
	 * @param b another instance
	 * @param bWarmth its slow-start warmth
	 * @param nowNanos the current time
	 * @return whether {@code a} scores no worse than {@code b}
	 */
	boolean keylessNoWorse(InstanceStats a, double aWarmth, InstanceStats b, double bWarmth, long nowNanos) {
		PeakEwma ae = a.ewma;
		PeakEwma be = b.ewma;
		// Each average's value and time read without a lock (and without a state object
		// to reach: at hundreds of instances, each object a decision reaches is a cache
		// miss), again under the lock if an update overlapped.
		long av = ae.readBegin();
		double aCost = ae.rawCost();
		long aStamp = ae.rawStamp();
		long bv = be.readBegin();
		double bCost = be.rawCost();
		long bStamp = be.rawStamp();
		if (!ae.readValid(av) || !be.readValid(bv)) {
			PeakEwma.Snapshot aLocked = ae.lockedSnapshot();
			PeakEwma.Snapshot bLocked = be.lockedSnapshot();
			aCost = aLocked.cost();
			aStamp = aLocked.stamp();
			bCost = bLocked.cost();
			bStamp = bLocked.stamp();
		}
		boolean aSeen = aCost >= 0;
		boolean bSeen = bCost >= 0;
		double aLeft = (aSeen ? aCost : unseenCost()) * load(a, aWarmth);
		double bRight = (bSeen ? bCost : unseenCost()) * load(b, bWarmth);
		// Ages since the last samples (0 for no sample: no decay); the exponent of the
		// difference is their difference over tau, one division when the taus agree.
		long aAge = aSeen ? Math.max(0, nowNanos - aStamp) : 0;
		long bAge = bSeen ? Math.max(0, nowNanos - bStamp) : 0;
		double d = (ae.tauNanos() == be.tauNanos()) ? (bAge - aAge) / ae.tauNanos()
				: bAge / be.tauNanos() - aAge / ae.tauNanos();
		if (d == 0 || aLeft == 0) {
			return aLeft <= bRight;
		}
		// Equal scores computed another way differ in their last bits: a tie within
		// rounding goes to a, as an exact tie does.
		double limit = bRight * TIE;
		if (d <= 1) {
			// 1 + d <= e^d <= 1 + d + d^2 for d <= 1: most comparisons are settled by
			// these bounds, without an exp.
			if (aLeft * (1 + d + d * d) <= limit) {
				return true;
			}
			if (aLeft * (1 + d) > limit) {
				return false;
			}
		}
		return aLeft * Math.exp(d) <= limit;
	}

	private double unseenCost() {
		double cost = this.defaultCost;
		return (cost > 0) ? cost : UNKNOWN_COST;
	}

	private static double load(InstanceStats instance, double warmth) {
		int inflight = instance.inflight;
		// Divisions by 1 skipped: they are most instances' warmth and weight.
		double load = ((warmth == 1.0) ? inflight : inflight / warmth) + 1;
		return (instance.weight == 1) ? load : load / instance.weight;
	}

	/**
	 * Latency x (in-flight + 1), divided by the effective weight (slow start included).
	 * The latency is the windowed median once known, else the peak EWMA: a pin lasts, and
	 * replicas watching the same backends see similar medians, while one replica's peak
	 * EWMA can jump several-fold on a single stall and split their fallback choices.
	 * @param instance the instance
	 * @param warmth the instance's slow-start warmth
	 * @param nowNanos the current time
	 * @return the score, lower is better
	 */
	double flowScore(InstanceStats instance, double warmth, long nowNanos) {
		double weight = instance.weight * warmth;
		long median = instance.medianNanos;
		double latency = (median > 0) ? median : cost(instance, nowNanos);
		return latency * (instance.inflight + 1) / weight;
	}

}
