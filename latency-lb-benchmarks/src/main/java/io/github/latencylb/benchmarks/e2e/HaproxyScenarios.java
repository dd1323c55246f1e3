package io.github.latencylb.benchmarks.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.latencylb.benchmarks.e2e.ClosedLoopLoad.Sample;

/**
 * The scenarios of issue 9, each run against one target (the gateway or HAProxy) with
 * fresh backends; each returns its figures by name, in order. Times are multiplied by
 * {@code scale} (1 for the real run).
 */
final class HaproxyScenarios {

	/**
	 * Mean think time of a session client: the steady fleet at about a third of capacity.
	 */
	private static final double SESSION_THINK_MILLIS = 730;

	private static final Duration TIMEOUT = Duration.ofSeconds(15);

	private final double scale;

	private final List<String> counterNotes = new ArrayList<>();

	HaproxyScenarios(double scale) {
		this.scale = scale;
	}

	/**
	 * What the gateway's counters recorded in each phase of the scenarios run with a
	 * counters URL.
	 * @return one Markdown list item per phase
	 */
	List<String> counterNotes() {
		return List.copyOf(this.counterNotes);
	}

	/**
	 * Surge: 300 keyless clients without think time against 3 x 2 workers of 40 ms (about
	 * 150 requests/s), and a health check every 200 ms with a 1 s timeout.
	 * @param target the base URL
	 * @return the figures
	 * @throws Exception if the backends cannot start
	 */
	Map<String, String> surge(String target) throws Exception {
		double end = 25 * this.scale;
		double from = 5 * this.scale;
		List<Sample> samples = run(Fleet.SURGE, target, end, (load, backends) -> {
			for (int i = 0; i < 300; i++) {
				load.client("regular", -1, null, 0, TIMEOUT, i);
			}
			load.healthChecker(Duration.ofMillis(200), Duration.ofSeconds(1));
		});
		SampleStats regular = SampleStats.of(samples, "regular", from, end);
		Map<String, String> figures = new LinkedHashMap<>();
		figures.put("health checks OK", SampleStats.percent(SampleStats.of(samples, "health", 0, end).okShare()));
		figures.put("regular requests/s", String.format(Locale.ROOT, "%.0f", regular.okPerSecond(end - from)));
		figures.put("regular p50", SampleStats.ms(regular.percentile(50)));
		figures.put("regular p90", SampleStats.ms(regular.percentile(90)));
		figures.put("regular p99", SampleStats.ms(regular.percentile(99)));
		figures.put("regular errors", Long.toString(regular.errors()));
		return figures;
	}

	/**
	 * Steady fleet (4 x 4 workers of 20 ms, 200 sessions at about a third of capacity),
	 * then one instance 10x slower, then back to normal while another instance stops.
	 * @param target the base URL
	 * @param gateway the gateway's base URL to read its counters per phase from, or
	 * {@code null} (HAProxy)
	 * @return the figures
	 * @throws Exception if the backends cannot start
	 */
	Map<String, String> steadyDegradeStop(String target, String gateway) throws Exception {
		double from = 2 * this.scale;
		double degrade = 14 * this.scale;
		double stop = 26 * this.scale;
		double end = 38 * this.scale;
		List<Sample> samples = run(Fleet.STEADY, target, end, (load, backends) -> {
			phases(load, gateway, Fleet.STEADY.scenario(), new String[] { "steady", "degrade", "stop" }, from, degrade,
					stop, end);
			for (int i = 0; i < 200; i++) {
				load.client("session", i, "s" + i, SESSION_THINK_MILLIS, TIMEOUT, i);
			}
			load.at(degrade, () -> backends.get(1).serviceMillis(10 * Fleet.STEADY.serviceMillis()));
			load.at(stop, () -> {
				backends.get(1).serviceMillis(Fleet.STEADY.serviceMillis());
				backends.get(2).stop();
			});
		});
		SampleStats before = SampleStats.of(samples, "session", from, degrade);
		SampleStats during = SampleStats.of(samples, "session", degrade, stop);
		SampleStats after = SampleStats.of(samples, "session", stop, end);
		if (Boolean.getBoolean("haproxy-compare.tails")) {
			System.err.print(before.tail(target + " steady", 0.01) + during.tail(target + " degrade", 0.01)
					+ after.tail(target + " stop", 0.01));
		}
		Map<String, String> figures = new LinkedHashMap<>();
		figures.put("steady: session requests off their usual instance",
				SampleStats.percent(before.offUsualInstance()));
		figures.put("steady: p99 (before the degrade)", SampleStats.ms(before.percentile(99)));
		figures.put("degrade: p99 during", SampleStats.ms(during.percentile(99)));
		figures.put("degrade: p99 during / before",
				String.format(Locale.ROOT, "%.1fx", during.percentile(99) / before.percentile(99)));
		figures.put("stop: errors after", Long.toString(after.errors()));
		figures.put("stop: p99 after", SampleStats.ms(after.percentile(99)));
		return figures;
	}

	/**
	 * Hot session: one cookie shared by 30 busy clients (more than one instance can
	 * serve) among 99 ordinary sessions, on 4 x 4 workers of 20 ms.
	 * @param target the base URL
	 * @param gateway the gateway's base URL to read its counters from, or {@code null}
	 * @return the figures
	 * @throws Exception if the backends cannot start
	 */
	Map<String, String> hotSession(String target, String gateway) throws Exception {
		double end = 25 * this.scale;
		double from = 3 * this.scale;
		List<Sample> samples = run(Fleet.HOT, target, end, (load, backends) -> {
			phases(load, gateway, Fleet.HOT.scenario(), new String[] { "hot session" }, from, end);
			for (int i = 0; i < 99; i++) {
				load.client("session", i, "s" + i, SESSION_THINK_MILLIS, TIMEOUT, i);
			}
			for (int i = 0; i < 30; i++) {
				load.client("hot", -1, "hot", 80, TIMEOUT, 1000 + i);
			}
		});
		SampleStats ordinary = SampleStats.of(samples, "session", from, end);
		SampleStats hot = SampleStats.of(samples, "hot", from, end);
		Map<String, String> figures = new LinkedHashMap<>();
		figures.put("ordinary sessions' requests off their usual instance",
				SampleStats.percent(ordinary.offUsualInstance()));
		figures.put("ordinary p99", SampleStats.ms(ordinary.percentile(99)));
		figures.put("hot p99", SampleStats.ms(hot.percentile(99)));
		figures.put("hot requests/s", String.format(Locale.ROOT, "%.0f", hot.okPerSecond(end - from)));
		figures.put("errors", Long.toString(ordinary.errors() + hot.errors()));
		return figures;
	}

	/**
	 * Heterogeneous fleet: one of 4 instances (4 workers of 20 ms) 5x slower, 32 keyless
	 * clients without think time.
	 * @param target the base URL
	 * @return the figures
	 * @throws Exception if the backends cannot start
	 */
	Map<String, String> heterogeneous(String target) throws Exception {
		double end = 20 * this.scale;
		double from = 3 * this.scale;
		List<Sample> samples = run(Fleet.HETERO, target, end, (load, backends) -> {
			backends.get(0).serviceMillis(5 * Fleet.HETERO.serviceMillis());
			for (int i = 0; i < 32; i++) {
				load.client("regular", -1, null, 0, TIMEOUT, i);
			}
		});
		SampleStats regular = SampleStats.of(samples, "regular", from, end);
		Map<String, String> figures = new LinkedHashMap<>();
		figures.put("p50", SampleStats.ms(regular.percentile(50)));
		figures.put("p99", SampleStats.ms(regular.percentile(99)));
		figures.put("requests/s", String.format(Locale.ROOT, "%.0f", regular.okPerSecond(end - from)));
		figures.put("errors", Long.toString(regular.errors()));
		return figures;
	}

	/**
	 * JIT warm-up of a target on a fleet of its own: keyless and session clients.
	 * @param target the base URL
	 * @param seconds how long
	 * @throws Exception if the backends cannot start
	 */
	void warmUp(String target, double seconds) throws Exception {
		run(Fleet.WARM, target, seconds, (load, backends) -> {
			for (int i = 0; i < 32; i++) {
				load.client("regular", -1, null, 0, TIMEOUT, i);
				load.client("session", i, "w" + i, 0, TIMEOUT, 100 + i);
			}
		});
	}

	/**
	 * Snapshot the gateway's counters of a service at each phase boundary and note each
	 * phase's difference.
	 * @param load the run
	 * @param gateway the gateway's base URL, or {@code null} for none
	 * @param service the service id
	 * @param names the phases' names
	 * @param bounds the phases' boundaries in seconds ({@code names.length + 1})
	 */
	private void phases(ClosedLoopLoad load, String gateway, String service, String[] names, double... bounds) {
		if (gateway == null) {
			return;
		}
		List<CompletableFuture<Map<String, Double>>> snapshots = new ArrayList<>();
		for (double bound : bounds) {
			CompletableFuture<Map<String, Double>> snapshot = new CompletableFuture<>();
			snapshots.add(snapshot);
			load.at(bound, () -> snapshot.complete(GatewayCounters.snapshot(gateway, service)));
		}
		CompletableFuture.allOf(snapshots.toArray(CompletableFuture[]::new)).thenRun(() -> {
			for (int i = 0; i < names.length; i++) {
				this.counterNotes.add(GatewayCounters.difference(service + ", " + names[i] + " phase",
						snapshots.get(i).join(), snapshots.get(i + 1).join()));
			}
		});
	}

	private List<Sample> run(Fleet fleet, String target, double seconds, Setup setup) throws Exception {
		List<SimulatedBackend> backends = fleet.start();
		try {
			// HAProxy's checks see new backends up within about a second.
			Thread.sleep(2000);
			try (ClosedLoopLoad load = new ClosedLoopLoad(target, fleet.scenario(),
					Duration.ofMillis((long) (seconds * 1000)))) {
				setup.start(load, backends);
				return load.await();
			}
		}
		finally {
			backends.forEach(SimulatedBackend::stop);
		}
	}

	@FunctionalInterface
	private interface Setup {

		void start(ClosedLoopLoad load, List<SimulatedBackend> backends);

	}

}
