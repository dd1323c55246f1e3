package io.github.latencylb.core.admission;

/**
 * A source of concurrency permits for one backend instance, for example a Resilience4j
 * bulkhead. Implementations must be thread-safe and must never block: a
 * {@link PriorityAdmissionQueue} calls them while holding its lock.
 */
public interface PermitPool {

	/**
	 * Take a permit if one is free, without waiting.
	 * @return whether a permit was taken; the caller then owns it until
	 * {@link #release()}
	 */
	boolean tryAcquire();

	/**
	 * Return one permit previously taken by {@link #tryAcquire()}. Must be called exactly
	 * once per successful {@code tryAcquire}.
	 */
	void release();

	/**
	 * Return the number of free permits (a snapshot, for metrics and tests).
	 * @return the free permits
	 */
	int availablePermits();

	/**
	 * Return the number of permits when none is taken.
	 * @return the capacity
	 */
	int maxPermits();

}
