package io.github.latencylb.core;

/**
 * Whether a keyed request whose home instance is full waits in the home's queue or
 * overflows (to another instance's free permit, else to the first permit of any fit
 * instance: see {@link DecisionReason#OVERFLOW}). Only hot flows spill: a flow overflows
 * when it holds more than its fair share of the home's requests in flight, that is more
 * than {@code max(1, concurrency / flowsInFlight)}: in practice more than one request.
 * Any other flow waits. Its expected wait, {@code (queuePosition + 1) x serviceTime /
 * concurrency}, against its latency budget, {@code max(minBudget, budgetFactor x
 * fleetP95)}, tells whether the home is too busy for it
 * ({@link Verdict#OVERFLOW_OVER_BUDGET}): the scheduler then places a new flow elsewhere,
 * but an existing flow still waits at its healthy home, unless the wait exceeds
 * {@code overloadFactor} budgets of a known fleet latency
 * ({@link Verdict#OVERFLOW_OVERLOADED}): the home is then overloaded, not momentarily
 * full, and the request takes a free permit elsewhere rather than wait towards its queue
 * timeout. Stateless and thread-safe.
 */
public final class HotFlowOverflow {

	private final FlowWaitConfig config;

	/**
	 * Create the rule.
	 * @param config the knobs
	 */
	public HotFlowOverflow(FlowWaitConfig config) {
		this.config = config;
	}

	/**
	 * Return the knobs.
	 * @return the configuration
	 */
	public FlowWaitConfig config() {
		return this.config;
	}

	/**
	 * Decide for one request.
	 * @param flowInflight requests of the flow in flight (not counting this one): at its
	 * home, and any it spilt to other instances
	 * @param flowsInflight distinct flows with requests in flight at the home
	 * @param concurrency the home's permits
	 * @param queuePosition requests already waiting ahead in the home's queue
	 * @param serviceNanos the home's recent service time (for example its median or
	 * decaying average latency)
	 * @param fleetP95Nanos the fleet's p95 latency ({@code <= 0} when unknown: the
	 * minimum budget applies)
	 * @return the verdict
	 */
	public Verdict decide(int flowInflight, int flowsInflight, int concurrency, int queuePosition, long serviceNanos,
			long fleetP95Nanos) {
		int fairShare = Math.max(1, concurrency / Math.max(1, flowsInflight));
		if (flowInflight > fairShare) {
			return Verdict.OVERFLOW_HOT;
		}
		long wait = expectedWaitNanos(concurrency, queuePosition, serviceNanos);
		long budget = budgetNanos(fleetP95Nanos);
		if (wait <= budget) {
			return Verdict.WAIT;
		}
		// Overloaded only against a known fleet latency: the minimum budget of a fleet
		// with too few samples is no measure of what the instance can do.
		return (fleetP95Nanos > 0 && wait > this.config.overloadFactor() * budget) ? Verdict.OVERFLOW_OVERLOADED
				: Verdict.OVERFLOW_OVER_BUDGET;
	}

	/**
	 * Return the expected wait of a request joining the queue behind
	 * {@code queuePosition} others.
	 * @param concurrency the instance's permits
	 * @param queuePosition requests ahead
	 * @param serviceNanos the instance's recent service time
	 * @return nanoseconds
	 */
	public long expectedWaitNanos(int concurrency, int queuePosition, long serviceNanos) {
		return (long) ((queuePosition + 1.0) * Math.max(0, serviceNanos) / Math.max(1, concurrency));
	}

	/**
	 * Return a flow's wait budget.
	 * @param fleetP95Nanos the fleet's p95 latency, {@code <= 0} when unknown
	 * @return nanoseconds
	 */
	public long budgetNanos(long fleetP95Nanos) {
		return Math.max(this.config.minBudgetNanos(), (long) (this.config.budgetFactor() * Math.max(0, fleetP95Nanos)));
	}

	/**
	 * What a request whose home is full does.
	 */
	public enum Verdict {

		/** Wait in the home's queue. */
		WAIT,

		/** Overflow: the flow holds more than its fair share of the home. */
		OVERFLOW_HOT,

		/**
		 * The expected wait exceeds the flow's budget (home busy): a new flow is placed
		 * elsewhere, an existing one waits.
		 */
		OVERFLOW_OVER_BUDGET,

		/**
		 * The expected wait exceeds {@code overloadFactor} budgets (home overloaded): a
		 * new flow is placed elsewhere, an existing one's request takes a free permit
		 * elsewhere if there is one.
		 */
		OVERFLOW_OVERLOADED;

		/**
		 * Return whether the home is not for this request: a hot flow's excess, a new
		 * flow over its budget, or any request at an overloaded home.
		 * @return whether it overflows
		 */
		public boolean overflows() {
			return this != WAIT;
		}

	}

}
