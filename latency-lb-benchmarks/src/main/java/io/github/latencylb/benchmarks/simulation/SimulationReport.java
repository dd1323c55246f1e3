package io.github.latencylb.benchmarks.simulation;

import java.util.List;
import java.util.Locale;

/**
 * Markdown tables of simulation results.
 */
final class SimulationReport {

	private SimulationReport() {
	}

	/**
	 * Render one table per scenario, a row per policy.
	 * @param scenarios the scenarios, in order
	 * @param results the results with priority on
	 * @return the Markdown
	 */
	static String tables(List<Scenario> scenarios, List<SimulationResult> results) {
		StringBuilder md = new StringBuilder();
		for (Scenario scenario : scenarios) {
			md.append("#### ").append(scenario.title()).append("\n\n").append(scenario.description()).append("\n\n");
			md.append("| policy | p50 ms | p99 ms | p99.9 ms | failed | moved, forced | moved, unforced "
					+ "| peak/mean load | health checks OK |\n");
			md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
			for (SimulationResult r : results) {
				if (r.scenario().equals(scenario.id()) && r.priority()) {
					md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %.2f | %s |%n",
							r.policy().label(), ms(r.p50Millis()), ms(r.p99Millis()), ms(r.p999Millis()),
							percent(r.failedShare()), percent(r.forcedMoveShare()), percent(r.unforcedMoveShare()),
							r.peakToMean(), percent(r.healthCheckSuccess())));
				}
			}
			md.append('\n');
		}
		return md.toString();
	}

	/**
	 * Render the health-check table of the surge: each policy with and without priority.
	 * @param results every result
	 * @param scenarioId the surge scenario's id
	 * @return the Markdown
	 */
	static String healthChecks(List<SimulationResult> results, String scenarioId) {
		StringBuilder md = new StringBuilder();
		md.append("| policy | health checks OK, priority | of the failed: queue full | health checks OK, FIFO "
				+ "| of the failed: queue full | regular failed, priority | regular failed, FIFO "
				+ "| p99 ms, priority | p99 ms, FIFO |\n");
		md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (PolicyKind kind : PolicyKind.values()) {
			SimulationResult on = find(results, scenarioId, kind, true);
			SimulationResult off = find(results, scenarioId, kind, false);
			if (on != null && off != null) {
				md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", kind.label(),
						percent(on.healthCheckSuccess()), fullShare(on), percent(off.healthCheckSuccess()),
						fullShare(off), percent(on.failedShare()), percent(off.failedShare()), ms(on.p99Millis()),
						ms(off.p99Millis())));
			}
		}
		return md.toString();
	}

	/**
	 * Render the hybrid's own counters per scenario.
	 * @param results every result
	 * @return the Markdown
	 */
	static String hybridDetails(List<SimulationResult> results) {
		StringBuilder md = new StringBuilder();
		md.append("| scenario | policy | scheduler's counters |\n| --- | --- | --- |\n");
		for (SimulationResult r : results) {
			if (r.priority() && !r.details().isEmpty()) {
				md.append("| ")
					.append(r.scenario())
					.append(" | ")
					.append(r.policy().label())
					.append(" | ")
					.append(r.details())
					.append(" |\n");
			}
		}
		return md.toString();
	}

	private static String fullShare(SimulationResult r) {
		long failed = r.healthChecks() - r.healthChecksPassed();
		return (failed > 0) ? percent((double) r.healthChecksQueueFull() / failed) : "n/a";
	}

	static SimulationResult find(List<SimulationResult> results, String scenarioId, PolicyKind kind, boolean priority) {
		for (SimulationResult r : results) {
			if (r.scenario().equals(scenarioId) && r.policy() == kind && r.priority() == priority) {
				return r;
			}
		}
		return null;
	}

	static String ms(double millis) {
		if (Double.isNaN(millis)) {
			return "n/a";
		}
		return String.format(Locale.ROOT, (millis < 100) ? "%.1f" : "%.0f", millis);
	}

	static String percent(double share) {
		if (share == 0) {
			return "0";
		}
		return String.format(Locale.ROOT, (share < 0.001) ? "%.3f%%" : (share < 0.1) ? "%.2f%%" : "%.1f%%",
				share * 100);
	}

}
