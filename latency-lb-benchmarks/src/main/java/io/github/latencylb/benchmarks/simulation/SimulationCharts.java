package io.github.latencylb.benchmarks.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * PNG plots of simulation results, drawn with XChart.
 */
final class SimulationCharts {

	private static final int WIDTH = 1100;

	private static final int HEIGHT = 520;

	private SimulationCharts() {
	}

	/**
	 * Write every plot.
	 * @param directory where the PNG files go
	 * @param scenarios the scenarios, in order
	 * @param results every result
	 * @return the file names written
	 * @throws IOException if a file cannot be written
	 */
	static List<String> writeAll(Path directory, List<Scenario> scenarios, List<SimulationResult> results)
			throws IOException {
		Files.createDirectories(directory);
		List<String> written = new ArrayList<>();
		written.add(save(directory, "simulation-p99.png", byScenario("p99 latency by scenario (log scale)",
				"p99 latency (ms)", scenarios, results, SimulationResult::p99Millis, true)));
		written.add(save(directory, "simulation-unforced-moves.png",
				byScenario("Requests that left their flow's previous instance unforced", "share of requests (%)",
						scenarios, results, (r) -> 100 * r.unforcedMoveShare(), false)));
		written.add(save(directory, "simulation-peak-to-mean.png", byScenario("Peak-to-mean load (1 s windows)",
				"busiest / mean instance", scenarios, results, SimulationResult::peakToMean, false)));
		written.add(save(directory, "simulation-degrade-timeline.png",
				timeline("Degrade and recover: p99 latency per second (instance-1 10x slower from 20 s to 40 s)",
						"p99 latency (ms, log scale)", results, "degrade")));
		written.add(save(directory, "simulation-hot-flow-timeline.png",
				timeline("Hot flow: p99 latency per second", "p99 latency (ms, log scale)", results, "hot-flow")));
		written.add(save(directory, "simulation-surge-health-checks.png", surgeHealth(results)));
		return written;
	}

	private static CategoryChart byScenario(String title, String yTitle, List<Scenario> scenarios,
			List<SimulationResult> results, ToDoubleFunction<SimulationResult> metric, boolean log) {
		CategoryChart chart = new CategoryChartBuilder().width(WIDTH)
			.height(HEIGHT)
			.title(title)
			.xAxisTitle("scenario")
			.yAxisTitle(yTitle)
			.build();
		chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
		chart.getStyler().setYAxisLogarithmic(log);
		if (log) {
			chart.getStyler().setYAxisMin(10.0);
		}
		List<String> x = scenarios.stream().map(Scenario::id).toList();
		for (PolicyKind kind : PolicyKind.values()) {
			List<Double> y = new ArrayList<>();
			for (Scenario scenario : scenarios) {
				SimulationResult r = SimulationReport.find(results, scenario.id(), kind, true);
				double value = (r != null) ? metric.applyAsDouble(r) : Double.NaN;
				y.add((Double.isNaN(value) || (log && value <= 0)) ? (log ? 1.0 : 0.0) : value);
			}
			chart.addSeries(kind.label(), x, y);
		}
		return chart;
	}

	private static XYChart timeline(String title, String yTitle, List<SimulationResult> results, String scenarioId) {
		XYChart chart = new XYChartBuilder().width(WIDTH)
			.height(HEIGHT)
			.title(title)
			.xAxisTitle("simulated time (s)")
			.yAxisTitle(yTitle)
			.build();
		chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
		chart.getStyler().setYAxisLogarithmic(true);
		chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
		chart.getStyler().setMarkerSize(3);
		for (PolicyKind kind : PolicyKind.values()) {
			SimulationResult r = SimulationReport.find(results, scenarioId, kind, true);
			if (r == null) {
				continue;
			}
			List<Double> x = new ArrayList<>();
			List<Double> y = new ArrayList<>();
			double[] p99 = r.windowP99Millis();
			for (int i = 0; i < p99.length; i++) {
				if (!Double.isNaN(p99[i]) && p99[i] > 0) {
					x.add(i + 1.0);
					y.add(p99[i]);
				}
			}
			if (!x.isEmpty()) {
				chart.addSeries(kind.label(), x, y);
			}
		}
		return chart;
	}

	private static CategoryChart surgeHealth(List<SimulationResult> results) {
		CategoryChart chart = new CategoryChartBuilder().width(WIDTH)
			.height(HEIGHT)
			.title("Surge: health checks answered within 1 s")
			.xAxisTitle("policy")
			.yAxisTitle("health checks OK (%)")
			.build();
		chart.getStyler().setLegendPosition(LegendPosition.InsideNE);
		chart.getStyler().setYAxisMin(0.0);
		chart.getStyler().setYAxisMax(100.0);
		chart.getStyler().setXAxisLabelRotation(15);
		List<String> x = new ArrayList<>();
		List<Double> on = new ArrayList<>();
		List<Double> off = new ArrayList<>();
		for (PolicyKind kind : PolicyKind.values()) {
			SimulationResult withPriority = SimulationReport.find(results, "surge", kind, true);
			SimulationResult fifo = SimulationReport.find(results, "surge", kind, false);
			if (withPriority != null && fifo != null) {
				x.add(kind.label());
				on.add(100 * withPriority.healthCheckSuccess());
				off.add(100 * fifo.healthCheckSuccess());
			}
		}
		chart.addSeries("health checks first (class -2047)", x, on);
		chart.addSeries("one FIFO queue", x, off);
		return chart;
	}

	private static String save(Path directory, String name, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart)
			throws IOException {
		BitmapEncoder.saveBitmap(chart, directory.resolve(name).toString(), BitmapFormat.PNG);
		return name;
	}

}
