package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.List;

import io.github.latencylb.benchmarks.simulation.Scenario.Change;

/**
 * The scenarios of the report. Every fleet starts with 8 instances of 4 workers and a 10
 * ms mean service time (3,200 requests/s of nominal capacity), loaded at 70% (2,240
 * requests/s) by 20,000 flows of Zipf(0.6) popularity.
 */
public final class Scenarios {

	static final int INSTANCES = 8;

	static final int WORKERS = 4;

	static final double MEAN_SERVICE_MILLIS = 10;

	static final double LOAD = 0.7;

	static final int FLOWS = 20_000;

	static final double ZIPF = 0.6;

	private Scenarios() {
	}

	/**
	 * Return every scenario of the report, in order.
	 * @return the scenarios
	 */
	public static List<Scenario> all() {
		return List.of(steady(), heterogeneous(), degradeAndRecover(), removeAndAdd(), hotFlow(), surge());
	}

	/**
	 * A healthy, steady, homogeneous fleet: the control.
	 * @return the scenario
	 */
	public static Scenario steady() {
		return scenario("steady", "Steady homogeneous fleet", "8 equal instances, nothing happens.",
				Duration.ofSeconds(60), 0, List.of());
	}

	/**
	 * One instance five times slower than the others, all along.
	 * @return the scenario
	 */
	public static Scenario heterogeneous() {
		return scenario("heterogeneous", "Heterogeneous fleet",
				"instance-1 serves 5x slower (50 ms mean) from the start.", Duration.ofSeconds(60), 0,
				List.of(new Change(Duration.ZERO, (fleet) -> fleet.slowdown("instance-1", 5))));
	}

	/**
	 * One instance ten times slower for 20 seconds, then healthy again.
	 * @return the scenario
	 */
	public static Scenario degradeAndRecover() {
		return scenario("degrade", "Degrade and recover", "instance-1 serves 10x slower from 20 s to 40 s.",
				Duration.ofSeconds(60), 0,
				List.of(new Change(Duration.ofSeconds(20), (fleet) -> fleet.slowdown("instance-1", 10)),
						new Change(Duration.ofSeconds(40), (fleet) -> fleet.slowdown("instance-1", 1))));
	}

	/**
	 * One instance removed, later a new one added.
	 * @return the scenario
	 */
	public static Scenario removeAndAdd() {
		return scenario("remove-add", "Remove one, add one",
				"instance-8 leaves discovery at 20 s; instance-9 joins at 40 s.", Duration.ofSeconds(60), 0,
				List.of(new Change(Duration.ofSeconds(20), (fleet) -> fleet.remove("instance-8")),
						new Change(Duration.ofSeconds(40), (fleet) -> fleet.add("instance-9"))));
	}

	/**
	 * One flow carries 30% of all requests: more than one instance can serve.
	 * @return the scenario
	 */
	public static Scenario hotFlow() {
		return scenario("hot-flow", "Hot flow", "flow 0 carries 30% of requests (672/s; one instance serves 400/s).",
				Duration.ofSeconds(60), 0.3, List.of());
	}

	/**
	 * Three times the fleet's capacity for 10 seconds.
	 * @return the scenario
	 */
	public static Scenario surge() {
		return scenario("surge", "Surge", "arrivals jump to 3x capacity (9,600/s) from 10 s to 20 s.",
				Duration.ofSeconds(30), 0, List.of(new Change(Duration.ofSeconds(10), (fleet) -> fleet.load(3.0)),
						new Change(Duration.ofSeconds(20), (fleet) -> fleet.load(LOAD))));
	}

	private static Scenario scenario(String id, String title, String description, Duration duration,
			double hotFlowShare, List<Change> changes) {
		return new Scenario(id, title, description, duration, INSTANCES, WORKERS, MEAN_SERVICE_MILLIS, LOAD, FLOWS,
				ZIPF, hotFlowShare, changes);
	}

}
