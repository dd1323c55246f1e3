package io.github.latencylb.benchmarks.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.github.latencylb.benchmarks.MarkdownRegion;

/**
 * Turns JMH's CSV results (and {@link FlowMemory}'s table) into the Markdown of
 * {@code docs/benchmarks.md}, between its JMH markers.
 * <p>
 * Arguments: {@code results.csv flow-memory.md docs/benchmarks.md header}.
 */
public final class JmhReport {

	static final String BEGIN = "<!-- jmh-results:begin -->";

	static final String END = "<!-- jmh-results:end -->";

	private JmhReport() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length == 2 && args[0].equals("--targets")) {
			System.out.print(targets(parse(Files.readAllLines(Path.of(args[1])))));
			return;
		}
		if (args.length > 1 && args[0].equals("--alternated")) {
			List<List<Row>> rounds = new ArrayList<>();
			for (String file : List.of(args).subList(1, args.length)) {
				rounds.add(parse(Files.readAllLines(Path.of(file))));
			}
			System.out.print(alternated(rounds));
			return;
		}
		List<Row> rows = parse(Files.readAllLines(Path.of(args[0])));
		String memory = Files.exists(Path.of(args[1])) ? Files.readString(Path.of(args[1])) : "(not measured)\n";
		StringBuilder md = new StringBuilder();
		md.append((args.length > 3) ? args[3] : "").append("\n\n");
		md.append("#### Core `Scheduler`: one decision (ns/op, mean ± 99.9% error)\n\n");
		md.append("`flows = 0`: a keyless request (power of two choices). Otherwise a request of a flow already "
				+ "in a table of that many flows.\n\n");
		md.append(grid(rows, "SchedulerChooseBenchmark.choose"));
		md.append("\nControls, same keys in the same order (ns/op): a bare `ConcurrentHashMap<Long, Object>` get "
				+ "(the memory latency any table of that size pays here), then a Caffeine cache with the flow "
				+ "table's settings (what its bookkeeping adds).\n\n");
		md.append(grid(rows, "MapLookupBaselineBenchmark.get"));
		md.append('\n').append(grid(rows, "MapLookupBaselineBenchmark.caffeineGet"));
		md.append("\n#### Through Spring Cloud LoadBalancer: `choose(Request)` (ns/op)\n\n");
		md.append(versus(rows));
		md.append(targets(rows));
		md.append("\n#### Heap per tracked flow (32 instances, default configuration)\n\n").append(memory);
		System.out.print(md);
		if (MarkdownRegion.replace(Path.of(args[2]), BEGIN, END, md.toString())) {
			System.out.println("Updated " + args[2]);
		}
	}

	private static String grid(List<Row> rows, String benchmark) {
		Map<String, Map<String, String>> cells = new LinkedHashMap<>();
		List<String> flows = new ArrayList<>();
		for (Row row : rows) {
			if (row.benchmark.endsWith(benchmark)) {
				cells.computeIfAbsent(row.instances, (k) -> new LinkedHashMap<>()).put(row.flows, row.cell());
				if (!flows.contains(row.flows)) {
					flows.add(row.flows);
				}
			}
		}
		StringBuilder md = new StringBuilder(cells.containsKey("") ? "|" : "| instances |");
		flows.forEach((f) -> md.append(" flows = ").append(f).append(" |"));
		md.append(cells.containsKey("") ? "\n|" : "\n| ---: |");
		flows.forEach((f) -> md.append(" ---: |"));
		md.append('\n');
		cells.forEach((instances, byFlows) -> {
			md.append(instances.isEmpty() ? "|" : "| " + instances + " |");
			flows.forEach((f) -> md.append(' ').append(byFlows.getOrDefault(f, "")).append(" |"));
			md.append('\n');
		});
		return md.toString();
	}

	/**
	 * Issue 8's two targets as ratios measured in the same run: the flow table's lookup
	 * of a known flow alone ({@code FlowTableLookupBenchmark}) against a bare map of the
	 * same keys (target at most 3x), also the whole decision for a known flow
	 * ({@link FlowLookupBenchmark}, an upper bound of the lookup) against its map; and
	 * keyless {@code choose(Request)} of ours against Spring's round robin
	 * ({@link LoadBalancerChooseBenchmark}, {@code flows = 0}; target at most 1.3x).
	 * @param rows the results
	 * @return a Markdown section, empty if neither benchmark ran
	 */
	static String targets(List<Row> rows) {
		StringBuilder md = new StringBuilder();
		versusMap(rows, ".FlowTableLookupBenchmark.", "flowTable",
				"known-flow lookup in the flow table alone (`FlowTable.get`) at %s tracked flows", md);
		versusMap(rows, ".FlowLookupBenchmark.", "scheduler", "known-flow `chooseForFlow` at %s tracked flows", md);
		Map<String, Row> roundRobin = new LinkedHashMap<>();
		rows.stream()
			.filter((row) -> row.benchmark.endsWith("springRoundRobin"))
			.forEach((row) -> roundRobin.put(row.instances, row));
		for (Row row : rows) {
			Row rr = roundRobin.get(row.instances);
			if (row.benchmark.endsWith("latencyLb") && "0".equals(row.flows) && rr != null) {
				md.append(String.format(Locale.ROOT,
						"| keyless `choose(Request)`, %s instances | %s | "
								+ "`RoundRobinLoadBalancer` | %s | %.2fx | 1.3x |%n",
						row.instances, row.cell(), rr.cell(), row.score / rr.score));
			}
		}
		if (md.length() == 0) {
			return "";
		}
		return "\n#### Issue 8 targets, same run (ns/op)\n\n| ours | ns/op | control | ns/op | ratio | target |\n"
				+ "| --- | ---: | --- | ---: | ---: | ---: |\n" + md;
	}

	/**
	 * Keyless {@code choose(Request)} against round robin over alternated rounds: each
	 * round (one JMH run of both, one instance count) gives a ratio; the median ratio per
	 * instance count is the figure, steadier than one run's means on a noisy machine
	 * whose speed drifts between runs.
	 * @param rounds the rows of each round
	 * @return the Markdown table
	 */
	static String alternated(List<List<Row>> rounds) {
		Map<String, List<Double>> ratios = new TreeMap<>(Comparator.comparingInt(Integer::parseInt));
		for (List<Row> round : rounds) {
			Row ours = null;
			Row rr = null;
			for (Row row : round) {
				if (row.benchmark.endsWith("latencyLb") && "0".equals(row.flows)) {
					ours = row;
				}
				else if (row.benchmark.endsWith("springRoundRobin")) {
					rr = row;
				}
			}
			if (ours != null && rr != null && ours.instances.equals(rr.instances)) {
				ratios.computeIfAbsent(ours.instances, (k) -> new ArrayList<>()).add(ours.score / rr.score);
			}
		}
		StringBuilder md = new StringBuilder("| instances | rounds | median ratio | lowest | highest | target |\n"
				+ "| ---: | ---: | ---: | ---: | ---: | ---: |\n");
		ratios.forEach((instances, list) -> {
			List<Double> sorted = list.stream().sorted().toList();
			double median = (sorted.size() % 2 == 1) ? sorted.get(sorted.size() / 2)
					: (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
			md.append(String.format(Locale.ROOT, "| %s | %d | %.2fx | %.2fx | %.2fx | 1.3x |%n", instances,
					sorted.size(), median, sorted.get(0), sorted.get(sorted.size() - 1)));
		});
		return md.toString();
	}

	private static void versusMap(List<Row> rows, String benchmark, String ours, String label, StringBuilder md) {
		Map<String, Row> maps = new LinkedHashMap<>();
		rows.stream()
			.filter((row) -> row.benchmark.endsWith(benchmark + "concurrentHashMap"))
			.forEach((row) -> maps.put(row.flows, row));
		for (Row row : rows) {
			Row map = maps.get(row.flows);
			if (row.benchmark.endsWith(benchmark + ours) && map != null) {
				md.append(String.format(Locale.ROOT,
						"| " + label + " | %s | bare `ConcurrentHashMap` get | %s | %.2fx | 3x |%n", row.flows,
						row.cell(), map.cell(), row.score / map.score));
			}
		}
	}

	private static String versus(List<Row> rows) {
		Map<String, Row> roundRobin = new LinkedHashMap<>();
		for (Row row : rows) {
			if (row.benchmark.endsWith("springRoundRobin")) {
				roundRobin.put(row.instances, row);
			}
		}
		StringBuilder md = new StringBuilder(
				"| instances | flows | latency-lb `LatencyAwareLoadBalancer` | Spring `RoundRobinLoadBalancer` "
						+ "| ratio |\n| ---: | ---: | ---: | ---: | ---: |\n");
		for (Row row : rows) {
			if (row.benchmark.endsWith("latencyLb")) {
				Row rr = roundRobin.get(row.instances);
				md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", row.instances, row.flows,
						row.cell(), (rr != null) ? rr.cell() : "",
						(rr != null) ? String.format(Locale.ROOT, "%.2fx", row.score / rr.score) : ""));
			}
		}
		return md.toString();
	}

	static List<Row> parse(List<String> lines) {
		List<String> header = split(lines.get(0));
		int benchmark = header.indexOf("Benchmark");
		int score = header.indexOf("Score");
		int error = header.indexOf("Score Error (99.9%)");
		int flows = header.indexOf("Param: flows");
		int instances = header.indexOf("Param: instances");
		int tracked = header.indexOf("Param: trackedFlows");
		List<Row> rows = new ArrayList<>();
		for (String line : lines.subList(1, lines.size())) {
			if (line.isBlank()) {
				continue;
			}
			List<String> f = split(line);
			rows.add(new Row(f.get(benchmark), Double.parseDouble(f.get(score)), parseOrNaN(f.get(error)),
					field(f, flows).isEmpty() ? field(f, tracked) : field(f, flows), field(f, instances)));
		}
		return rows;
	}

	private static String field(List<String> fields, int index) {
		return (index >= 0 && index < fields.size()) ? fields.get(index) : "";
	}

	private static double parseOrNaN(String value) {
		try {
			return Double.parseDouble(value);
		}
		catch (NumberFormatException ex) {
			return Double.NaN;
		}
	}

	private static List<String> split(String line) {
		List<String> fields = new ArrayList<>();
		for (String field : line.split(",", -1)) {
			fields.add(field.replace("\"", "").trim());
		}
		return fields;
	}

	record Row(String benchmark, double score, double error, String flows, String instances) {

		String cell() {
			return Double.isNaN(this.error) ? String.format(Locale.ROOT, "%.0f", this.score)
					: String.format(Locale.ROOT, "%.0f ± %.0f", this.score, this.error);
		}

	}

}
