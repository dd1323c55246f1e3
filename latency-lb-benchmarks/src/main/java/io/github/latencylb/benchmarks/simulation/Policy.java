package io.github.latencylb.benchmarks.simulation;

import java.util.List;

/**
 * A load-balancing policy under test, as the gateway would run it: it sees the instance
 * set, chooses an instance per request, and hears back when each request it chose ends.
 * Implementations are single-threaded (the simulation is) and take time and randomness
 * from the simulation, so that a run is a pure function of its seed.
 */
public interface Policy {

	/**
	 * Replace the instance set.
	 * @param ids the ids of the instances present, sorted
	 */
	void instancesChanged(List<String> ids);

	/**
	 * Choose an instance for a request.
	 * @param flowHash the 64-bit hash of the request's flow key (ignored when keyless)
	 * @param keyless whether the request has no flow key (health checks)
	 * @return the choice, to be completed exactly once
	 */
	Pick choose(long flowHash, boolean keyless);

	/**
	 * One request's choice and its feedback channel.
	 */
	interface Pick {

		/**
		 * Return the chosen instance.
		 * @return the instance id
		 */
		String instanceId();

		/**
		 * Return whether the policy itself says the request's flow had to leave its
		 * instance because that instance was unavailable (ejected); policies without that
		 * notion answer {@code false}.
		 * @return whether this choice was a forced move
		 */
		default boolean forcedMove() {
			return false;
		}

		/**
		 * The request got a permit of its instance now and starts being served. Called at
		 * most once, before {@link #completed}; never for a request rejected by the
		 * queue.
		 */
		default void admitted() {
		}

		/**
		 * The request ended now: with a response, or with a failure (rejected, timed
		 * out).
		 * @param failure whether it failed
		 */
		void completed(boolean failure);

	}

}
