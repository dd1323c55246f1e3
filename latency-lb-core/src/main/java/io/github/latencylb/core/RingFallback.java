package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Fallback ranking on the ring: among the next {@code candidates} instances after a
 * flow's home (of the best {@link EligibilityLadder} rung), prefer those with a free
 * permit, then those within their bounded-load cap, then the lowest
 * {@link PeakEwmaCost#flowScore score}, choosing among near-equal ones by
 * {@link RendezvousChoice rendezvous hashing} on the key, so that replicas seeing the
 * same instances agree without talking and different flows still spread. Thread-safe.
 */
final class RingFallback {

	private final PeakEwmaCost cost;

	RingFallback(PeakEwmaCost cost) {
		this.cost = cost;
	}

	/**
	 * Where a new or moving flow goes when its home will not take it.
	 * @param topology the current instance set
	 * @param keyHash the hash of the flow key
	 * @param homeId the flow's home instance
	 * @param excluded the instances the request must avoid
	 * @param totalInflight the requests in flight on the fleet
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return the chosen instance
	 */
	InstanceStats best(Topology topology, long keyHash, String homeId, Set<String> excluded, int totalInflight,
			SchedulerConfig config, long nowNanos) {
		List<String> ids = EligibilityLadder.onRing(topology, keyHash, config.fallback().candidates(), homeId, excluded,
				nowNanos);
		List<InstanceStats> candidates = new ArrayList<>(ids.size());
		List<InstanceStats> free = new ArrayList<>(ids.size());
		for (String id : ids) {
			InstanceStats candidate = topology.get(id);
			candidates.add(candidate);
			if (!candidate.admission().saturated()) {
				free.add(candidate);
			}
		}
		if (!free.isEmpty()) {
			candidates = free;
		}
		List<InstanceStats> withinCap = new ArrayList<>(candidates.size());
		for (InstanceStats candidate : candidates) {
			if (!BoundedLoadCap.over(candidate, topology.totalWeight, totalInflight, config.boundedLoad())) {
				withinCap.add(candidate);
			}
		}
		return lowestScore(withinCap.isEmpty() ? candidates : withinCap, keyHash, config, nowNanos);
	}

	/**
	 * Where one request of a flow overflows from its saturated instance: the least-loaded
	 * instance other than that one with a free permit that is fit (not ejected, draining,
	 * slow or excluded) and warm enough for the flow, looked for among the flow's
	 * {@code candidates} ring candidates first, then among every fit instance;
	 * {@code null} if none has a free permit.
	 * @param topology the current instance set
	 * @param keyHash the hash of the flow key
	 * @param current the saturated instance the flow is on
	 * @param excluded the instances the request must avoid
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return the instance, or {@code null}
	 */
	@Nullable InstanceStats overflow(Topology topology, long keyHash, InstanceStats current, Set<String> excluded,
			SchedulerConfig config, long nowNanos) {
		List<String> ids = topology.ring.preferenceList(keyHash, config.fallback().candidates(),
				(id) -> EligibilityLadder.fitOther(topology, id, current.id, excluded, nowNanos));
		InstanceStats best = null;
		for (String id : ids) {
			best = lessLoaded(best, topology.get(id), keyHash, config, nowNanos);
		}
		if (best == null) {
			for (InstanceStats candidate : topology.fit) {
				if (EligibilityLadder.fitOther(topology, candidate.id, current.id, excluded, nowNanos)) {
					best = lessLoaded(best, candidate, keyHash, config, nowNanos);
				}
			}
		}
		return best;
	}

	private static @Nullable InstanceStats lessLoaded(@Nullable InstanceStats best, InstanceStats candidate,
			long keyHash, SchedulerConfig config, long nowNanos) {
		if (!candidate.admission().hasFreePermit() || (best != null && candidate.inflight >= best.inflight)
				|| !SlowStartGate.admitsFlow(SlowStartGate.warmth(candidate, nowNanos, config.slowStart()), keyHash)) {
			return best;
		}
		return candidate;
	}

	/**
	 * Whether a fit candidate after home is not saturated.
	 * @param topology the current instance set
	 * @param keyHash the hash of the flow key
	 * @param homeId the flow's home instance
	 * @param excluded the instances the request must avoid
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return whether such a candidate exists
	 */
	boolean anyFree(Topology topology, long keyHash, String homeId, Set<String> excluded, SchedulerConfig config,
			long nowNanos) {
		return !topology.ring
			.preferenceList(keyHash, config.fallback().candidates(),
					(id) -> EligibilityLadder.fitOther(topology, id, homeId, excluded, nowNanos)
							&& !topology.get(id).admission().saturated())
			.isEmpty();
	}

	/**
	 * The lowest-scoring candidate, by rendezvous on the key among those within the
	 * near-equal tolerance of it. Each score is read once: in-flight counts change
	 * concurrently.
	 * @param candidates the candidates, not empty
	 * @param keyHash the hash of the flow key
	 * @param config the scheduler configuration
	 * @param nowNanos the current time
	 * @return the chosen candidate
	 */
	InstanceStats lowestScore(List<InstanceStats> candidates, long keyHash, SchedulerConfig config, long nowNanos) {
		double[] scores = new double[candidates.size()];
		double best = Double.MAX_VALUE;
		for (int i = 0; i < scores.length; i++) {
			InstanceStats candidate = candidates.get(i);
			scores[i] = this.cost.flowScore(candidate, SlowStartGate.warmth(candidate, nowNanos, config.slowStart()),
					nowNanos);
			best = Math.min(best, scores[i]);
		}
		double limit = best * (1 + config.fallback().nearEqualTolerance());
		List<InstanceStats> near = new ArrayList<>(candidates.size());
		for (int i = 0; i < scores.length; i++) {
			if (scores[i] <= limit) {
				near.add(candidates.get(i));
			}
		}
		return RendezvousChoice.choose(keyHash, near, (instance) -> instance.id);
	}

}
