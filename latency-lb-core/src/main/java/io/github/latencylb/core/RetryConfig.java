package io.github.latencylb.core;

import java.util.Set;

/**
 * Retry settings: how many attempts, on which statuses, within which budget, and the
 * largest request body kept so that a retry can send it again.
 *
 * @param maxAttempts attempts per request, counting the first (1 disables retries)
 * @param statuses response statuses retried for idempotent methods
 * @param budgetRatio retries allowed per request, on average (see {@link RetryBudget})
 * @param minRetriesPerSecond retries always allowed per second, whatever the ratio
 * @param maxBodyBytes largest request body kept in memory for retries, 0 keeps none
 */
public record RetryConfig(int maxAttempts, Set<Integer> statuses, double budgetRatio, double minRetriesPerSecond,
		int maxBodyBytes) {

	/**
	 * Validate the settings.
	 */
	public RetryConfig {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
		}
		if (maxBodyBytes < 0) {
			throw new IllegalArgumentException("maxBodyBytes must be >= 0, was " + maxBodyBytes);
		}
		if (budgetRatio < 0 || minRetriesPerSecond < 0) {
			throw new IllegalArgumentException("retry budget must not be negative");
		}
		statuses = Set.copyOf(statuses);
	}

	/**
	 * Return the default settings: 2 attempts, statuses 502, 503 and 504, a budget of 20%
	 * of requests and at least 5 retries a second, bodies up to 64 KiB kept.
	 * @return the defaults
	 */
	public static RetryConfig ofDefaults() {
		return new RetryConfig(2, Set.of(502, 503, 504), 0.2, 5, 64 * 1024);
	}

	/**
	 * Create a service's retry budget.
	 * @param clock the time source
	 * @return a new budget
	 */
	public RetryBudget newBudget(NanoClock clock) {
		return new RetryBudget(this.budgetRatio, this.minRetriesPerSecond, clock);
	}

}
