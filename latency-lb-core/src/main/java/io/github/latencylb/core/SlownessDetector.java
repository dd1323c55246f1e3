package io.github.latencylb.core;

import java.util.Collection;

/**
 * The slowness verdict: which instances are too slow to take new flows (and whose flows
 * may move). {@link #assess} runs on each refresh, on one thread at a time;
 * {@link #onResponse} on every recorded response, concurrently.
 * {@link InstanceStats#slow} is what the rest of the scheduler reads. Replaceable alone.
 */
interface SlownessDetector {

	/**
	 * Judge every instance of a service: set each one's {@code slow} flag, and keep
	 * whatever evidence the detector needs in the instance's state.
	 * @param instances the instances present
	 * @param nowNanos the time
	 * @param config the configuration
	 */
	void assess(Collection<InstanceStats> instances, long nowNanos, SchedulerConfig config);

	/**
	 * Take a recorded response's latency sample into account.
	 * @param instance the instance that answered
	 * @param latencyNanos the latency sample, as the scheduler records it
	 * @param inflightAtStart requests in flight on the instance when the request started,
	 * itself included
	 * @param fleet the instances of the service (as of the last refresh)
	 * @param nowNanos the time
	 * @param config the configuration
	 * @return whether the instance's verdict changed
	 */
	boolean onResponse(InstanceStats instance, long latencyNanos, int inflightAtStart, Collection<InstanceStats> fleet,
			long nowNanos, SchedulerConfig config);

}
