package io.github.latencylb.core;

/**
 * Knobs of the {@link HotFlowOverflow} rule.
 *
 * @param budgetFactor a new flow's wait budget at its home, as a multiple of the fleet's
 * p95 latency (past it the flow starts elsewhere; an existing flow always waits at its
 * healthy instance)
 * @param minBudgetNanos the least wait budget, whatever the fleet's latency (so a cold
 * fleet with no samples still waits out a burst)
 * @param overloadFactor how many budgets an existing flow's expected wait at its instance
 * must exceed before the instance counts as overloaded rather than momentarily full: the
 * request then takes a free permit of another fit instance, if any, rather than wait
 * towards its queue timeout (the flow stays pinned)
 */
public record FlowWaitConfig(double budgetFactor, long minBudgetNanos, double overloadFactor) {

	/**
	 * Validate the knobs.
	 */
	public FlowWaitConfig {
		ConfigChecks.check(budgetFactor >= 0 && Double.isFinite(budgetFactor), "waitBudgetFactor", budgetFactor,
				"finite and at least 0");
		ConfigChecks.check(minBudgetNanos >= 0, "minWaitBudget", minBudgetNanos + "ns", "zero or positive");
		ConfigChecks.check(overloadFactor >= 1 && Double.isFinite(overloadFactor), "overloadWaitFactor", overloadFactor,
				"finite and at least 1");
	}

	/**
	 * Return the defaults: a budget of 2x the fleet's p95, at least 10 ms; an instance is
	 * overloaded for an existing flow past 10 budgets of expected wait.
	 * @return the defaults
	 */
	public static FlowWaitConfig ofDefaults() {
		return new FlowWaitConfig(2.0, 10_000_000L, 10.0);
	}

}
