package io.github.latencylb.core;

import java.util.List;
import java.util.function.Function;

/**
 * Rendezvous (highest random weight) choice of one candidate for a flow key: every
 * candidate gets a pseudo-random weight mixed from the key hash and the candidate's id,
 * and the highest weight wins. The same key and the same candidates give the same choice
 * on every replica and restart, with no coordination; different keys spread uniformly
 * over the candidates (no herding); removing a candidate other than the winner never
 * changes the choice (Thaler and Ravishankar, "Using name-based mappings to increase hit
 * rates"). Stateless and thread-safe.
 */
public final class RendezvousChoice {

	private static final long SALT = 0x52E7_D3E0_0C40_1CE5L;

	private RendezvousChoice() {
	}

	/**
	 * Choose the candidate of highest rendezvous weight for a key.
	 * @param <T> the candidate type
	 * @param keyHash the 64-bit hash of the flow key
	 * @param candidates the candidates, at least one; their order does not matter
	 * @param idOf a candidate's stable id
	 * @return the chosen candidate
	 */
	public static <T> T choose(long keyHash, List<T> candidates, Function<T, String> idOf) {
		if (candidates.isEmpty()) {
			throw new IllegalArgumentException("no candidate");
		}
		T best = candidates.get(0);
		if (candidates.size() == 1) {
			return best;
		}
		String bestId = idOf.apply(best);
		long bestWeight = weight(keyHash, bestId);
		for (int i = 1; i < candidates.size(); i++) {
			T candidate = candidates.get(i);
			String id = idOf.apply(candidate);
			long weight = weight(keyHash, id);
			// Ties (a 2^-64 chance) break on the id, so that the order of the list never
			// matters.
			if (Long.compareUnsigned(weight, bestWeight) > 0 || (weight == bestWeight && id.compareTo(bestId) > 0)) {
				best = candidate;
				bestId = id;
				bestWeight = weight;
			}
		}
		return best;
	}

	/**
	 * Return the rendezvous weight of a candidate for a key.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param id the candidate's stable id
	 * @return the weight, compared as an unsigned number
	 */
	public static long weight(long keyHash, String id) {
		return mix(keyHash ^ SALT ^ StableHash.hash(id));
	}

	/**
	 * Stafford's variant 13 of the MurmurHash3 finalizer (as in SplitMix64): every input
	 * bit affects every output bit.
	 * @param z the value to mix
	 * @return the mixed value
	 */
	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
