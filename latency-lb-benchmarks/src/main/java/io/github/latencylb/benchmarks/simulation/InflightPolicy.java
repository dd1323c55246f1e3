package io.github.latencylb.benchmarks.simulation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the baseline policies: keeps the instance list and counts each instance's
 * requests in flight, as a gateway does between choosing and the end of the exchange.
 */
abstract class InflightPolicy implements Policy {

	/** The instances present, sorted by id. */
	protected List<String> ids = List.of();

	/** Requests in flight by instance, including instances that left. */
	protected final Map<String, int[]> inflight = new HashMap<>();

	/** Requests in flight on all instances present. */
	protected int totalInflight;

	@Override
	public void instancesChanged(List<String> ids) {
		this.ids = List.copyOf(ids);
		for (String id : ids) {
			this.inflight.computeIfAbsent(id, (key) -> new int[1]);
		}
		int total = 0;
		for (String id : ids) {
			total += this.inflight.get(id)[0];
		}
		this.totalInflight = total;
	}

	/**
	 * Return the requests in flight on an instance.
	 * @param id the instance
	 * @return the count
	 */
	protected int inflight(String id) {
		return this.inflight.get(id)[0];
	}

	/**
	 * Count a request in flight on the chosen instance.
	 * @param id the instance
	 * @param startNanos when the request was sent
	 * @return the pick, which uncounts it when completed
	 */
	protected Pick started(String id, long startNanos) {
		int[] counter = this.inflight.get(id);
		counter[0]++;
		this.totalInflight++;
		return new Pick() {

			private boolean done;

			@Override
			public String instanceId() {
				return id;
			}

			@Override
			public void completed(boolean failure) {
				if (!this.done) {
					this.done = true;
					counter[0]--;
					if (InflightPolicy.this.ids.contains(id)) {
						InflightPolicy.this.totalInflight--;
					}
					onCompleted(id, startNanos, failure);
				}
			}

		};
	}

	/**
	 * Hook for policies that learn from responses.
	 * @param id the instance
	 * @param startNanos when the request was sent
	 * @param failure whether the request failed
	 */
	protected void onCompleted(String id, long startNanos, boolean failure) {
	}

}
