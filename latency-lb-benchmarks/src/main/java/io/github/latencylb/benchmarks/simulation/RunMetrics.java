package io.github.latencylb.benchmarks.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * The counters and latency histograms of one {@link ScenarioRun}, overall and per 1 s
 * window. Not thread-safe (the simulation is single-threaded).
 */
final class RunMetrics {

	static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

	long requests;

	long failed;

	long forcedMoves;

	long unforcedMoves;

	long healthChecks;

	long healthChecksPassed;

	long healthChecksQueueFull;

	long healthChecksExpired;

	long windowHealthChecks;

	long windowHealthChecksPassed;

	private double peakToMeanSum;

	private int peakToMeanWindows;

	private final Histogram latency = new Histogram(1, HIGHEST_MICROS, 3);

	private final Histogram windowLatency = new Histogram(1, HIGHEST_MICROS, 3);

	private final List<Double> windowP99 = new ArrayList<>();

	private final List<Double> windowHealthOk = new ArrayList<>();

	/**
	 * Record the latency of a successful regular request.
	 * @param nanos arrival to response
	 */
	void recordLatency(long nanos) {
		long micros = Math.min(Math.max(1, nanos / 1000), HIGHEST_MICROS);
		this.latency.recordValue(micros);
		this.windowLatency.recordValue(micros);
	}

	/**
	 * Close a 1 s window: its load spread, p99 and health-check success.
	 * @param instances every instance of the run
	 */
	void closeWindow(List<SimulatedInstance> instances) {
		long max = 0;
		long sum = 0;
		int present = 0;
		for (SimulatedInstance instance : instances) {
			if (instance.present) {
				max = Math.max(max, instance.windowDispatched);
				sum += instance.windowDispatched;
				present++;
			}
			instance.windowDispatched = 0;
		}
		if (sum > 0) {
			this.peakToMeanSum += max / ((double) sum / present);
			this.peakToMeanWindows++;
		}
		this.windowP99.add(millis(this.windowLatency, 99));
		this.windowLatency.reset();
		this.windowHealthOk.add((this.windowHealthChecks > 0)
				? (double) this.windowHealthChecksPassed / this.windowHealthChecks : Double.NaN);
		this.windowHealthChecks = 0;
		this.windowHealthChecksPassed = 0;
	}

	/**
	 * Return the figures of the run.
	 * @param scenario the scenario's id
	 * @param kind the policy
	 * @param priority whether health checks had priority
	 * @param details the policy's own counters
	 * @return the result
	 */
	SimulationResult result(String scenario, PolicyKind kind, boolean priority, String details) {
		return new SimulationResult(scenario, kind, priority, this.requests, this.failed, millis(this.latency, 50),
				millis(this.latency, 99), millis(this.latency, 99.9), this.forcedMoves, this.unforcedMoves,
				(this.peakToMeanWindows > 0) ? this.peakToMeanSum / this.peakToMeanWindows : 0, this.healthChecks,
				this.healthChecksPassed, this.healthChecksQueueFull, this.healthChecksExpired, details,
				this.windowP99.stream().mapToDouble(Double::doubleValue).toArray(),
				this.windowHealthOk.stream().mapToDouble(Double::doubleValue).toArray());
	}

	static double millis(Histogram histogram, double percentile) {
		return (histogram.getTotalCount() > 0) ? histogram.getValueAtPercentile(percentile) / 1000.0 : Double.NaN;
	}

}
