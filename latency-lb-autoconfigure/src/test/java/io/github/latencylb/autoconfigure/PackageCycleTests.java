package io.github.latencylb.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No package cycle among the main classes of latency-lb-core and
 * latency-lb-autoconfigure, judged from the sources' import lines.
 */
class PackageCycleTests {

	private static final String ROOT = "io.github.latencylb";

	private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

	private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);

	@Test
	void mainPackagesShouldHaveNoCycle() throws IOException {
		Path project = Path.of("").toAbsolutePath();
		while (!Files.isDirectory(project.resolve("latency-lb-core"))) {
			project = project.getParent();
		}
		Map<String, Set<String>> graph = new TreeMap<>();
		for (String dir : new String[] { "latency-lb-core/src/main/java", "latency-lb-autoconfigure/src/main/java",
				"latency-lb-autoconfigure/src/main-boot3/java", "latency-lb-autoconfigure-boot4/src/main/java" }) {
			scan(project.resolve(dir), graph);
		}
		assertThat(graph).containsKeys(ROOT + ".core", ROOT + ".autoconfigure", ROOT + ".autoconfigure.loadbalancer");
		assertThat(cycles(graph)).isEmpty();
	}

	@Test
	void cyclesShouldFindAPackageCycle() {
		Map<String, Set<String>> graph = new TreeMap<>();
		graph.put("a", Set.of("b"));
		graph.put("b", Set.of("c"));
		graph.put("c", Set.of("a"));
		graph.put("d", Set.of("a"));
		assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c", "a"));
	}

	private static void scan(Path dir, Map<String, Set<String>> graph) throws IOException {
		if (!Files.isDirectory(dir)) {
			return;
		}
		try (Stream<Path> files = Files.walk(dir)) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".java")).toList()) {
				String source = Files.readString(file);
				Matcher pkg = PACKAGE.matcher(source);
				if (!pkg.find()) {
					continue;
				}
				Set<String> uses = graph.computeIfAbsent(pkg.group(1), (k) -> new TreeSet<>());
				Matcher imports = IMPORT.matcher(source);
				while (imports.find()) {
					String used = packageOf(imports.group(1));
					if (used.startsWith(ROOT) && !used.equals(pkg.group(1))) {
						uses.add(used);
					}
				}
			}
		}
	}

	/** The package of an imported name: the segments before the first capitalised one. */
	private static String packageOf(String name) {
		List<String> segments = new ArrayList<>();
		for (String segment : name.split("\\.")) {
			if (!segment.isEmpty() && Character.isUpperCase(segment.charAt(0))) {
				break;
			}
			segments.add(segment);
		}
		return String.join(".", segments);
	}

	/** One cycle through each package that is on one, found by depth-first search. */
	static List<List<String>> cycles(Map<String, Set<String>> graph) {
		List<List<String>> found = new ArrayList<>();
		Set<String> done = new HashSet<>();
		for (String start : graph.keySet()) {
			visit(start, graph, new ArrayList<>(), done, found);
		}
		return found;
	}

	private static void visit(String node, Map<String, Set<String>> graph, List<String> path, Set<String> done,
			List<List<String>> found) {
		int index = path.indexOf(node);
		if (index >= 0) {
			List<String> cycle = new ArrayList<>(path.subList(index, path.size()));
			cycle.add(node);
			found.add(cycle);
			return;
		}
		if (!done.add(node)) {
			return;
		}
		path.add(node);
		for (String next : graph.getOrDefault(node, Set.of())) {
			visit(next, graph, path, done, found);
		}
		path.remove(path.size() - 1);
	}

}
