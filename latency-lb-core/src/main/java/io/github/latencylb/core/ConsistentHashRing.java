package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

import net.openhft.hashing.LongHashFunction;
import org.jspecify.annotations.Nullable;

/**
 * Immutable consistent-hash ring with weighted virtual nodes (Karger et al.; the "ring
 * hash" of Envoy). Built from the instance set sorted by id, with {@link StableHash}, so
 * every replica and every restart maps a key to the same instance whatever order
 * discovery returns them in.
 * <p>
 * Each instance gets {@code virtualNodes x weight} points (all scaled down alike when
 * their sum would exceed {@link #MAX_POINTS}); a key belongs to the first point at or
 * after its hash (wrapping around). Removing an instance moves only the keys it owned;
 * adding one takes keys only from the others. With 1,000 points per unit of weight the
 * largest share over 10 equal instances stays within about 5% of the mean. Thread-safe
 * (immutable).
 */
public final class ConsistentHashRing {

	/**
	 * Most points a ring holds, whatever the weights: a ring of this size takes a few
	 * hundred milliseconds to build and 12 MiB of heap.
	 */
	public static final int MAX_POINTS = 1 << 20;

	private final List<String> ids;

	private final long[] points;

	private final int[] owners;

	private final double[] shares;

	private ConsistentHashRing(List<String> ids, long[] points, int[] owners) {
		this.ids = ids;
		this.points = points;
		this.owners = owners;
		this.shares = computeShares(ids.size(), points, owners);
	}

	/**
	 * Build a ring.
	 * @param instances the instances with their weights (any order; ids must be unique)
	 * @param virtualNodes points per unit of weight, at least 1
	 * @return the ring
	 */
	public static ConsistentHashRing build(Collection<WeightedInstance> instances, int virtualNodes) {
		if (virtualNodes < 1) {
			throw new IllegalArgumentException("virtualNodes must be at least 1 but was " + virtualNodes);
		}
		List<WeightedInstance> sorted = new ArrayList<>(instances);
		sorted.sort(Comparator.comparing(WeightedInstance::id));
		long requested = 0;
		for (WeightedInstance instance : sorted) {
			requested += (long) virtualNodes * instance.weight();
		}
		// Huge discovery weights would make a huge ring: scale every instance's points
		// down alike, keeping the shares, so that the ring never exceeds MAX_POINTS.
		double scale = (requested > MAX_POINTS) ? (double) MAX_POINTS / requested : 1.0;
		int[] counts = new int[sorted.size()];
		int total = 0;
		for (int owner = 0; owner < sorted.size(); owner++) {
			counts[owner] = (int) Math.max(1, (long) (virtualNodes * (double) sorted.get(owner).weight() * scale));
			total += counts[owner];
		}
		long[] points = new long[total];
		int[] owners = new int[total];
		int[] runs = new int[sorted.size() + 1];
		int n = 0;
		List<String> ids = new ArrayList<>(sorted.size());
		for (int owner = 0; owner < sorted.size(); owner++) {
			WeightedInstance instance = sorted.get(owner);
			if (owner > 0 && sorted.get(owner - 1).id().equals(instance.id())) {
				throw new IllegalArgumentException("Duplicate instance id " + instance.id());
			}
			ids.add(instance.id());
			// The same values as StableHash.hash(seed, i), without a function per point.
			LongHashFunction hash = LongHashFunction.xx3(StableHash.hash(instance.id()));
			runs[owner] = n;
			for (int i = 0; i < counts[owner]; i++) {
				points[n] = hash.hashLong(i);
				owners[n++] = owner;
			}
			Arrays.sort(points, runs[owner], n);
		}
		runs[sorted.size()] = n;
		mergeRuns(points, owners, runs);
		return new ConsistentHashRing(List.copyOf(ids), points, owners);
	}

	/**
	 * Return the id of the instance that owns a key, or {@code null} for an empty ring.
	 * @param keyHash the key's 64-bit hash
	 * @return the home instance id
	 */
	public String home(long keyHash) {
		return (this.points.length != 0) ? this.ids.get(this.owners[indexOf(keyHash)]) : null;
	}

	/**
	 * Walk the ring clockwise from a key's home and collect distinct instances that pass
	 * a filter: the key's preference list.
	 * @param keyHash the key's 64-bit hash
	 * @param max how many instances at most
	 * @param filter which instances may be listed
	 * @return the instances in ring order, home first if it passes the filter
	 */
	public List<String> preferenceList(long keyHash, int max, Predicate<String> filter) {
		List<String> result = new ArrayList<>(Math.min(max, this.ids.size()));
		if (this.points.length == 0 || max <= 0) {
			return result;
		}
		boolean[] seen = new boolean[this.ids.size()];
		int distinct = 0;
		int start = indexOf(keyHash);
		for (int step = 0; step < this.points.length && distinct < this.ids.size(); step++) {
			int owner = this.owners[(start + step) % this.points.length];
			if (!seen[owner]) {
				seen[owner] = true;
				distinct++;
				String id = this.ids.get(owner);
				if (filter.test(id)) {
					result.add(id);
					if (result.size() == max) {
						break;
					}
				}
			}
		}
		return result;
	}

	/**
	 * Return the fraction of the hash space an instance owns.
	 * @param id the instance id
	 * @return its share in {@code [0, 1]}, 0 when absent
	 */
	public double share(String id) {
		int index = this.ids.indexOf(id);
		return (index >= 0) ? this.shares[index] : 0.0;
	}

	/**
	 * Return the instance ids on this ring, sorted.
	 * @return the ids
	 */
	public List<String> ids() {
		return this.ids;
	}

	/**
	 * Return how many points the ring holds.
	 * @return the number of virtual nodes
	 */
	public int size() {
		return this.points.length;
	}

	private int indexOf(long keyHash) {
		int index = Arrays.binarySearch(this.points, keyHash);
		if (index < 0) {
			index = -index - 1;
		}
		return (index == this.points.length) ? 0 : index;
	}

	/**
	 * Merge sorted runs (one per owner, in owner order) into one sorted ring, pairwise.
	 * Stable, so that equal hashes (practically never) stay in owner order: still
	 * deterministic.
	 * @param points the hashes of all runs, sorted in place
	 * @param owners the owner of each point, permuted with it
	 * @param runs the start index of each run, then the end of the last
	 */
	private static void mergeRuns(long[] points, int[] owners, int[] runs) {
		long[] fromPoints = points;
		int[] fromOwners = owners;
		long[] toPoints = new long[points.length];
		int[] toOwners = new int[owners.length];
		int[] bounds = runs;
		while (bounds.length > 2) {
			int[] next = new int[(bounds.length - 1 + 1) / 2 + 1];
			int r = 0;
			for (int i = 0; i + 1 < bounds.length; i += 2) {
				int lo = bounds[i];
				int mid = bounds[i + 1];
				int hi = (i + 2 < bounds.length) ? bounds[i + 2] : mid;
				next[r++] = lo;
				int a = lo;
				int b = mid;
				for (int out = lo; out < hi; out++) {
					if (b >= hi || (a < mid && fromPoints[a] <= fromPoints[b])) {
						toPoints[out] = fromPoints[a];
						toOwners[out] = fromOwners[a++];
					}
					else {
						toPoints[out] = fromPoints[b];
						toOwners[out] = fromOwners[b++];
					}
				}
			}
			next[r] = bounds[bounds.length - 1];
			bounds = next;
			long[] p = fromPoints;
			fromPoints = toPoints;
			toPoints = p;
			int[] o = fromOwners;
			fromOwners = toOwners;
			toOwners = o;
		}
		if (fromPoints != points) {
			System.arraycopy(fromPoints, 0, points, 0, points.length);
			System.arraycopy(fromOwners, 0, owners, 0, owners.length);
		}
	}

	private static double[] computeShares(int n, long[] points, int[] owners) {
		double[] shares = new double[n];
		if (points.length == 0) {
			return shares;
		}
		// The arc (previous point, this point] belongs to this point's owner; unsigned
		// arithmetic
		// wraps around the ring, and a lone point owns the whole circle.
		for (int i = 0; i < points.length; i++) {
			long arc = points[i] - points[(i == 0) ? points.length - 1 : i - 1];
			shares[owners[i]] += (points.length == 1) ? 0x1.0p64 : unsigned(arc);
		}
		for (int i = 0; i < n; i++) {
			shares[i] /= 0x1.0p64;
		}
		return shares;
	}

	private static double unsigned(long value) {
		double d = (double) (value >>> 1) * 2.0;
		return d + (value & 1);
	}

	/**
	 * An instance id with its weight, and an optional tag.
	 *
	 * @param id the stable instance id
	 * @param weight the weight, at least 1
	 * @param tag an opaque value the caller attaches to the instance (e.g. its
	 * {@code ServiceInstance}), which each decision for it returns
	 * ({@link Decision#instanceTag()}), so that the caller needs no lookup by id;
	 * {@code null} for none
	 */
	public record WeightedInstance(String id, int weight, @Nullable Object tag) {

		public WeightedInstance {
			if (weight < 1) {
				throw new IllegalArgumentException("weight of " + id + " must be at least 1 but was " + weight);
			}
		}

		/**
		 * An instance id with its weight and no tag.
		 * @param id the stable instance id
		 * @param weight the weight, at least 1
		 */
		public WeightedInstance(String id, int weight) {
			this(id, weight, null);
		}

	}

}
