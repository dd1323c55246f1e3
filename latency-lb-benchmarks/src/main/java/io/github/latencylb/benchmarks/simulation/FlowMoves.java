package io.github.latencylb.benchmarks.simulation;

import java.util.Arrays;
import java.util.List;

/**
 * Where each flow's last request went and whether it failed, to count the flow's moves as
 * forced (its instance left, the policy said so, or its last request failed) or unforced.
 */
final class FlowMoves {

	private final int[] lastInstance;

	private final boolean[] lastFailed;

	FlowMoves(int flows) {
		this.lastInstance = new int[flows];
		Arrays.fill(this.lastInstance, -1);
		this.lastFailed = new boolean[flows];
	}

	/**
	 * Record a request of a flow sent to an instance, counting a move if it left another.
	 * @param flow the flow
	 * @param instance the index of the instance
	 * @param forced whether the policy reported the move as forced
	 * @param all the instances, by index
	 * @param metrics where moves are counted
	 */
	void dispatched(int flow, int instance, boolean forced, List<SimulatedInstance> all, RunMetrics metrics) {
		int previous = this.lastInstance[flow];
		if (previous >= 0 && previous != instance) {
			if (!all.get(previous).present || forced || this.lastFailed[flow]) {
				metrics.forcedMoves++;
			}
			else {
				metrics.unforcedMoves++;
			}
		}
		this.lastInstance[flow] = instance;
		this.lastFailed[flow] = false;
	}

	/**
	 * Record that a request of a flow failed on an instance; it counts only if the flow's
	 * last request went there.
	 * @param flow the flow
	 * @param instance the index of the instance
	 */
	void failed(int flow, int instance) {
		if (this.lastInstance[flow] == instance) {
			this.lastFailed[flow] = true;
		}
	}

}
