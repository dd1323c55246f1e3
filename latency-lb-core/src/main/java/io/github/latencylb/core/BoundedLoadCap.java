package io.github.latencylb.core;

/**
 * Bounded-load cap (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded
 * Loads"): an instance may take one more request while its in-flight count stays within
 * {@code max(minSlots, ceil(c x (total in-flight + 1) x weight share))}.
 */
final class BoundedLoadCap {

	private BoundedLoadCap() {
	}

	/**
	 * Whether one more request would put the instance over its cap.
	 * @param instance the instance
	 * @param totalWeight the sum of the weights of the fleet
	 * @param totalInflight the requests in flight on the fleet
	 * @param config the bounded-load configuration
	 * @return whether the instance is at its cap
	 */
	static boolean over(InstanceStats instance, long totalWeight, int totalInflight, BoundedLoadConfig config) {
		int inflight = instance.inflight;
		if (inflight + 1 <= config.minSlots()) {
			// Within the floor whatever the cap: the usual case of a lightly loaded
			// fleet.
			return false;
		}
		double share = (double) instance.weight / totalWeight;
		long cap = (long) Math.ceil(config.balanceFactor() * (totalInflight + 1) * share);
		cap = Math.max(cap, config.minSlots());
		return inflight + 1 > cap;
	}

}
