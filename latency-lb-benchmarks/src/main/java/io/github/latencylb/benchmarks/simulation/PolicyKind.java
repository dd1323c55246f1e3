package io.github.latencylb.benchmarks.simulation;

import java.util.random.RandomGenerator;

import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.NanoClock;

/**
 * The policies compared, with how each is built for one run.
 */
public enum PolicyKind {

	/** Round robin over the instance list (Spring Cloud LoadBalancer's default). */
	ROUND_ROBIN("round robin"),

	/** Fewest requests in flight, random among ties. */
	LEAST_CONNECTIONS("least connections"),

	/** Power of two choices by peak EWMA x (in-flight + 1) (Finagle, Linkerd). */
	P2C_PEAK_EWMA("P2C peak EWMA"),

	/** Consistent hashing on a ring, no fallback (Envoy's ring hash). */
	RING_HASH("ring hash"),

	/**
	 * Ring plus a bounded-load cap per request, no latency (HAProxy hash-balance-factor).
	 */
	BOUNDED_LOAD("bounded-load hash"),

	/** latency-lb's core {@code Scheduler}, defaults, without an admission view. */
	HYBRID("latency-lb hybrid"),

	/**
	 * latency-lb's core {@code Scheduler}, defaults, seeing each instance's admission
	 * queue (permits = workers): what the starter does with bulkheads sized to the
	 * backends.
	 */
	HYBRID_ADMISSION("latency-lb hybrid + admission view");

	private final String label;

	PolicyKind(String label) {
		this.label = label;
	}

	/**
	 * Return the name shown in reports.
	 * @return the label
	 */
	public String label() {
		return this.label;
	}

	Policy create(NanoClock clock, RandomGenerator random, AdmissionView admission) {
		return switch (this) {
			case ROUND_ROBIN -> new RoundRobinPolicy();
			case LEAST_CONNECTIONS -> new LeastConnectionsPolicy(random);
			case P2C_PEAK_EWMA -> new PeakEwmaTwoChoicesPolicy(clock, random);
			case RING_HASH -> new RingHashPolicy(random);
			case BOUNDED_LOAD -> new BoundedLoadHashPolicy(random);
			case HYBRID -> new HybridPolicy(clock, random, AdmissionView.NONE);
			case HYBRID_ADMISSION -> new HybridPolicy(clock, random, admission);
		};
	}

}
