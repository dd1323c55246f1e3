package io.github.latencylb.benchmarks.e2e;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import io.github.latencylb.benchmarks.e2e.ClosedLoopLoad.Sample;

/**
 * Figures from a run's samples, always over a time window (by completion time).
 */
final class SampleStats {

	private final List<Sample> samples;

	private SampleStats(List<Sample> samples) {
		this.samples = samples;
	}

	/**
	 * Samples of a kind completed in {@code [from, to)} seconds.
	 * @param all every sample of the run
	 * @param kind the kind, or {@code null} for any
	 * @param from start of the window
	 * @param to end of the window
	 * @return the selection
	 */
	static SampleStats of(List<Sample> all, String kind, double from, double to) {
		Predicate<Sample> inWindow = (s) -> s.doneAt() >= from && s.doneAt() < to;
		return new SampleStats(
				all.stream().filter(inWindow).filter((s) -> kind == null || kind.equals(s.kind())).toList());
	}

	int count() {
		return this.samples.size();
	}

	long errors() {
		return this.samples.stream().filter((s) -> !s.ok()).count();
	}

	double okShare() {
		return this.samples.isEmpty() ? Double.NaN : (double) (count() - errors()) / count();
	}

	/**
	 * Latency percentile of the successful requests, nearest rank.
	 * @param p the percentile (0 to 100)
	 * @return milliseconds, or NaN without samples
	 */
	double percentile(double p) {
		double[] millis = this.samples.stream().filter(Sample::ok).mapToDouble(Sample::millis).sorted().toArray();
		if (millis.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(p / 100 * millis.length);
		return millis[Math.min(millis.length - 1, Math.max(0, rank - 1))];
	}

	/**
	 * Describe the slowest answered requests (with {@code -Dhaproxy-compare.tails=true}):
	 * when each was sent, by which instance it was served and how long it took, to tell
	 * where a window's tail comes from.
	 * @param label what the window is
	 * @param share the share of the slowest requests, for example {@code 0.01}
	 * @return one line per request, slowest first
	 */
	String tail(String label, double share) {
		List<Sample> answered = this.samples.stream()
			.filter(Sample::ok)
			.sorted(Comparator.comparingDouble(Sample::millis).reversed())
			.toList();
		int n = (int) Math.ceil(answered.size() * share);
		StringBuilder text = new StringBuilder(label + ": slowest " + n + " of " + answered.size() + "\n");
		for (Sample sample : answered.subList(0, Math.min(n, answered.size()))) {
			text.append(String.format(Locale.ROOT, "  sent %.2f s, %s, %.0f ms, session %d%n", sample.sentAt(),
					sample.instance(), sample.millis(), sample.session()));
		}
		return text.toString();
	}

	/**
	 * Successful requests per second over a window.
	 * @param seconds the window's length
	 * @return the rate
	 */
	double okPerSecond(double seconds) {
		return (count() - errors()) / seconds;
	}

	/**
	 * Share of sessions' successful requests answered by another instance than the one
	 * that answered most of that session's requests in the window.
	 * @return the share (0 to 1)
	 */
	double offUsualInstance() {
		Map<Integer, Map<String, Integer>> bySession = new HashMap<>();
		int total = 0;
		for (Sample s : this.samples) {
			if (s.ok() && s.session() >= 0) {
				bySession.computeIfAbsent(s.session(), (k) -> new HashMap<>()).merge(s.instance(), 1, Integer::sum);
				total++;
			}
		}
		int usual = 0;
		for (Map<String, Integer> counts : bySession.values()) {
			usual += counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
		}
		return (total == 0) ? Double.NaN : 1 - (double) usual / total;
	}

	static String ms(double millis) {
		return Double.isNaN(millis) ? "n/a" : String.format(Locale.ROOT, "%.0f ms", millis);
	}

	static String percent(double share) {
		return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", share * 100);
	}

}
