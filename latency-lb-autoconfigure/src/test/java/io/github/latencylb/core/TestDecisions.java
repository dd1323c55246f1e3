package io.github.latencylb.core;

/**
 * Scheduler decisions made by hand, for tests of the glue that need a decision the
 * scheduler makes only in a state that is hard to set up.
 */
public final class TestDecisions {

	private TestDecisions() {
	}

	/**
	 * Return a hot flow's excess request sent to the instance of another decision (as the
	 * scheduler decides with reason {@link DecisionReason#OVERFLOW}, naming the flow's
	 * own instance when no other one has a free permit).
	 * @param instance a decision for the instance
	 * @param flowHash the flow key's hash
	 * @return the keyed overflow decision
	 */
	public static Decision overflow(Decision instance, long flowHash) {
		return new Decision(instance.stats(), DecisionReason.OVERFLOW, null, true, flowHash);
	}

}
