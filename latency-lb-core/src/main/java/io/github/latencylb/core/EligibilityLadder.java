package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which instances a request may go to, in panic order: the fit ones (not ejected, not
 * draining, not slow), else the usable ones (not ejected, not draining), else any not
 * excluded, else any at all. Excluded instances (e.g. ones a retry already tried) are
 * left out of every rung but the last. Stateless.
 */
final class EligibilityLadder {

	/**
	 * The rungs, best first.
	 */
	enum Rung {

		/** Not excluded, not ejected, not draining, not slow. */
		FIT,

		/** Not excluded, not ejected, not draining. */
		USABLE,

		/** Not excluded. */
		NOT_EXCLUDED,

		/** Anything. */
		ANY

	}

	private static final Rung[] RUNGS = Rung.values();

	private EligibilityLadder() {
	}

	/**
	 * Whether an instance takes new flows and keyless requests.
	 * @param instance the instance
	 * @param nowNanos the current time
	 * @return whether the instance is fit
	 */
	static boolean fit(InstanceStats instance, long nowNanos) {
		return !instance.ejected(nowNanos) && !instance.draining && !instance.slow;
	}

	/**
	 * 0 when fit, 1 when merely available (draining or slow), 2 when ejected.
	 * @param instance the instance
	 * @param nowNanos the current time
	 * @return the rung of the instance, lower is better
	 */
	static int unfitness(InstanceStats instance, long nowNanos) {
		if (fit(instance, nowNanos)) {
			return 0;
		}
		return instance.ejected(nowNanos) ? 2 : 1;
	}

	static boolean admits(Rung rung, InstanceStats instance, Set<String> excluded, long nowNanos) {
		return switch (rung) {
			case FIT -> !excluded.contains(instance.id) && fit(instance, nowNanos);
			case USABLE -> !excluded.contains(instance.id) && !instance.ejected(nowNanos) && !instance.draining;
			case NOT_EXCLUDED -> !excluded.contains(instance.id);
			case ANY -> true;
		};
	}

	/**
	 * Whether an instance other than {@code other} is fit and not excluded.
	 * @param topology the current instance set
	 * @param id the instance
	 * @param other the instance to skip
	 * @param excluded the instances the request must avoid
	 * @param nowNanos the current time
	 * @return whether {@code id} is such an instance
	 */
	static boolean fitOther(Topology topology, String id, String other, Set<String> excluded, long nowNanos) {
		return !id.equals(other) && admits(Rung.FIT, topology.get(id), excluded, nowNanos);
	}

	/**
	 * The instances of the best rung that has any. The fit rung is the topology's list of
	 * fit instances as of its last refresh.
	 * @param topology the current instance set
	 * @param excluded the instances the request must avoid
	 * @param nowNanos the current time
	 * @return the eligible instances, empty if there are none
	 */
	static List<InstanceStats> eligible(Topology topology, Set<String> excluded, long nowNanos) {
		List<InstanceStats> fit = topology.fit;
		if (excluded.isEmpty() && !fit.isEmpty()) {
			return fit;
		}
		for (Rung rung : RUNGS) {
			Collection<InstanceStats> pool = (rung == Rung.FIT) ? fit : topology.instances.values();
			Rung test = (rung == Rung.FIT) ? Rung.NOT_EXCLUDED : rung;
			List<InstanceStats> result = new ArrayList<>(pool.size());
			for (InstanceStats instance : pool) {
				if (admits(test, instance, excluded, nowNanos)) {
					result.add(instance);
				}
			}
			if (!result.isEmpty()) {
				return result;
			}
		}
		return List.of();
	}

	/**
	 * The first {@code count} distinct instances on the ring from a key of the best rung
	 * that has any; on the fit rung, other than home. When every instance is excluded:
	 * home alone.
	 * @param topology the current instance set
	 * @param keyHash the hash of the flow key
	 * @param count the most instances to return
	 * @param homeId the flow's home instance
	 * @param excluded the instances the request must avoid
	 * @param nowNanos the current time
	 * @return the instance ids, in ring order
	 */
	static List<String> onRing(Topology topology, long keyHash, int count, String homeId, Set<String> excluded,
			long nowNanos) {
		for (Rung rung : RUNGS) {
			if (rung == Rung.ANY) {
				break;
			}
			List<String> ids = topology.ring.preferenceList(keyHash, count,
					(id) -> (rung != Rung.FIT || !id.equals(homeId))
							&& admits(rung, topology.get(id), excluded, nowNanos));
			if (!ids.isEmpty()) {
				return ids;
			}
		}
		return List.of(homeId);
	}

}
