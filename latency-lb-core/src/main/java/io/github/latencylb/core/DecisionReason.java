package io.github.latencylb.core;

/**
 * Why the scheduler chose an instance. Used as a bounded metric tag and shown by the
 * endpoint.
 */
public enum DecisionReason {

	/** An existing flow served by its recorded instance, which is its ring home. */
	HOME("home"),

	/** An existing flow served by the instance it was pinned to after a fallback. */
	PINNED("pinned"),

	/** A new flow placed on its ring home. */
	NEW_FLOW("new-flow"),

	/** Home was slow: the flow went to the best candidate of its preference list. */
	FALLBACK_SLOW("fallback-slow"),

	/** Home was over its bounded-load cap: the flow went to the best candidate. */
	FALLBACK_OVERLOADED("fallback-overloaded"),

	/**
	 * Home was gone, ejected, draining or excluded: the flow went to the best candidate.
	 */
	FALLBACK_UNAVAILABLE("fallback-unavailable"),

	/** Home was still warming up (slow start) and did not take this flow yet. */
	FALLBACK_WARMING("fallback-warming"),

	/**
	 * An existing flow's instance was saturated (no free permit, requests waiting) and
	 * the flow hot (more requests in flight, there and spilt elsewhere, than its fair
	 * share of the instance: in practice two or more): this one request overflows; the
	 * flow stays pinned where it was. The decision names the least-loaded other instance
	 * with a free permit (fit, not excluded, warm enough for the flow; the flow's ring
	 * candidates first, then any fit instance). When none has one, the request is named
	 * the saturated instance itself: it then waits, like a keyless request, for the first
	 * permit that frees on any fit instance (the service queue), not in that instance's
	 * own queue. A flow with one request at a time overflows only from an overloaded
	 * instance (its expected wait there over {@code overloadFactor} wait budgets, see
	 * {@link HotFlowOverflow}), and then only to a free permit: it waits out bursts at
	 * its healthy instance.
	 */
	OVERFLOW("overflow"),

	/** A request without a flow key: power of two choices. */
	KEYLESS("keyless");

	private final String tag;

	DecisionReason(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the lower-case name used in metrics and endpoints.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}
