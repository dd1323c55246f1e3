package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One scenario: a fleet, its traffic, and the changes that happen to them at fixed
 * simulated times. Immutable.
 *
 * @param id short name, used in file names
 * @param title what a reader sees
 * @param description one sentence of what happens
 * @param duration simulated time
 * @param instances instances at the start, named {@code instance-1} ...
 * @param workers requests each instance serves at once
 * @param meanServiceMillis nominal mean service time (exponential)
 * @param load arrival rate at the start, as a fraction of the nominal capacity
 * {@code instances x workers / meanService}
 * @param flows number of flows
 * @param zipfExponent popularity of flows ({@code 0} uniform)
 * @param hotFlowShare share of requests of one hot flow ({@code 0} for none)
 * @param changes what happens when
 */
public record Scenario(String id, String title, String description, Duration duration, int instances, int workers,
		double meanServiceMillis, double load, int flows, double zipfExponent, double hotFlowShare,
		List<Change> changes) {

	/**
	 * Return the nominal capacity of the starting fleet.
	 * @return requests per second
	 */
	public double capacityPerSecond() {
		return this.instances * this.workers * 1000.0 / this.meanServiceMillis;
	}

	/**
	 * Something that happens to the fleet or the traffic at a given time.
	 *
	 * @param at when, from the start
	 * @param action what
	 */
	public record Change(Duration at, Consumer<FleetControl> action) {
	}

	/**
	 * What a change may do.
	 */
	public interface FleetControl {

		/**
		 * Make an instance slower or faster.
		 * @param id the instance
		 * @param slowdown multiplier of its mean service time
		 */
		void slowdown(String id, double slowdown);

		/**
		 * Remove an instance from discovery: it takes no new request and finishes those
		 * it holds.
		 * @param id the instance
		 */
		void remove(String id);

		/**
		 * Add a new instance to discovery.
		 * @param id the new instance's id
		 */
		void add(String id);

		/**
		 * Change the arrival rate.
		 * @param load the new rate as a fraction of the starting fleet's nominal capacity
		 */
		void load(double load);

	}

}
