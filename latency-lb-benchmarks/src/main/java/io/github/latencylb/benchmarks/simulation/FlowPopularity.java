package io.github.latencylb.benchmarks.simulation;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Which flow a request belongs to: Zipf-distributed popularity over a fixed number of
 * flows (exponent 0 is uniform), optionally with one hot flow (flow 0) that carries a
 * fixed share of all requests. Immutable.
 */
final class FlowPopularity {

	private final int flows;

	private final double hotShare;

	private final double[] cumulative;

	/**
	 * Create a popularity law.
	 * @param flows the number of flows, at least 2
	 * @param zipfExponent the Zipf exponent {@code s >= 0}: flow {@code k} has weight
	 * {@code 1 / k^s}
	 * @param hotShare share of requests of flow 0, in {@code [0, 1)}; the others share
	 * the rest by the Zipf law
	 */
	FlowPopularity(int flows, double zipfExponent, double hotShare) {
		this.flows = flows;
		this.hotShare = hotShare;
		int first = (hotShare > 0) ? 1 : 0;
		this.cumulative = new double[flows - first];
		double sum = 0;
		for (int k = 0; k < this.cumulative.length; k++) {
			sum += 1.0 / Math.pow(k + 1, zipfExponent);
			this.cumulative[k] = sum;
		}
		for (int k = 0; k < this.cumulative.length; k++) {
			this.cumulative[k] /= sum;
		}
	}

	/**
	 * Return the number of flows.
	 * @return the flow count
	 */
	int flows() {
		return this.flows;
	}

	/**
	 * Draw the flow of one request.
	 * @param random the source of randomness
	 * @return the flow index, in {@code [0, flows)}
	 */
	int sample(RandomGenerator random) {
		if (this.hotShare > 0 && random.nextDouble() < this.hotShare) {
			return 0;
		}
		int index = Arrays.binarySearch(this.cumulative, random.nextDouble());
		if (index < 0) {
			index = -index - 1;
		}
		index = Math.min(index, this.cumulative.length - 1);
		return (this.hotShare > 0) ? index + 1 : index;
	}

}
