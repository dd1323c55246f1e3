package io.github.latencylb.benchmarks.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 9's end-to-end comparison of the gateway with latency-lb against HAProxy, driven
 * by {@code latency-lb-benchmarks/e2e/haproxy-compare.sh}. Commands:
 * <ul>
 * <li>{@code haproxy-config <first-port>}: HAProxy's configuration, one {@code listen}
 * per scenario on consecutive ports, each at its best for the job;</li>
 * <li>{@code gateway-args surge|main}: the gateway's arguments (routes, discovery, and
 * {@code max-concurrent-calls} 2 for the surge, 4 for the others), one per line;</li>
 * <li>{@code run <surge-gateway-url> <gateway-url> <haproxy-host-url> <first-port> [scale]
 * [warm-up-seconds] [scenarios]}: warms both gateways up, runs every scenario (or those
 * listed, comma-separated, among {@code surge,steady,hot,hetero}) on each system in turn,
 * and prints a Markdown table side by side, then the gateway's counters per phase.</li>
 * </ul>
 */
public final class HaproxyCompareMain {

	private HaproxyCompareMain() {
	}

	/**
	 * Run one of the commands above.
	 * @param args the command and its arguments
	 * @throws Exception if the run fails
	 */
	public static void main(String[] args) throws Exception {
		System.setProperty("sun.net.httpserver.idleInterval", "600");
		switch (args[0]) {
			case "haproxy-config" -> System.out.print(haproxyConfig(Integer.parseInt(args[1])));
			case "gateway-args" -> gatewayArgs(args[1]).forEach(System.out::println);
			case "run" -> run(args);
			default -> throw new IllegalArgumentException("Unknown command " + args[0]);
		}
	}

	static List<String> gatewayArgs(String group) {
		List<String> args = new ArrayList<>();
		List<Fleet> fleets = group.equals("surge") ? List.of(Fleet.SURGE, Fleet.WARM)
				: List.of(Fleet.STEADY, Fleet.HOT, Fleet.HETERO, Fleet.WARM);
		for (int i = 0; i < fleets.size(); i++) {
			args.addAll(fleets.get(i).gatewayArgs(i));
		}
		args.add("--latency-lb.bulkhead.max-concurrent-calls=" + (group.equals("surge") ? 2 : 4));
		return args;
	}

	static String haproxyConfig(int firstPort) {
		StringBuilder cfg = new StringBuilder("""
				global
				  maxconn 4096
				defaults
				  mode http
				  option http-keep-alive
				  timeout connect 2s
				  timeout client 60s
				  timeout server 30s
				  timeout http-keep-alive 60s
				  timeout queue 5s
				  retries 2
				  option redispatch
				  retry-on conn-failure empty-response
				  option httpchk GET /health
				""");
		for (int i = 0; i < Fleet.ALL.size(); i++) {
			Fleet fleet = Fleet.ALL.get(i);
			cfg.append("listen ").append(fleet.scenario()).append('\n');
			cfg.append("  bind 127.0.0.1:").append(firstPort + i).append('\n');
			if (fleet == Fleet.STEADY || fleet == Fleet.HOT) {
				// Bounded-load consistent hashing on the session cookie.
				cfg.append("  balance hash req.cook(SESSION)\n  hash-type consistent\n  hash-balance-factor 125\n");
			}
			else {
				cfg.append("  balance leastconn\n");
			}
			cfg.append("  http-request set-priority-class int(-2047) if { path_end /health }\n");
			cfg.append(fleet.haproxyServers(fleet.workers()));
		}
		return cfg.toString();
	}

	private static void run(String[] args) throws Exception {
		String surgeGateway = args[1];
		String gateway = args[2];
		String haproxyHost = args[3];
		int firstPort = Integer.parseInt(args[4]);
		double scale = (args.length > 5) ? Double.parseDouble(args[5]) : 1;
		double warmUp = (args.length > 6) ? Double.parseDouble(args[6]) : 40;
		List<String> only = (args.length > 7) ? List.of(args[7].split(","))
				: List.of("surge", "steady", "hot", "hetero");
		String haproxy = haproxyHost + ":" + firstPort;
		HaproxyScenarios scenarios = new HaproxyScenarios(scale);
		log("warming up both gateways (" + warmUp + " s each)");
		scenarios.warmUp(surgeGateway, warmUp);
		scenarios.warmUp(gateway, warmUp);
		Map<String, Map<String, String>[]> table = new LinkedHashMap<>();
		if (only.contains("surge")) {
			log("surge");
			table.put("surge", pair(scenarios.surge(surgeGateway), scenarios.surge(haproxy)));
		}
		if (only.contains("steady")) {
			log("steady fleet, degrade, stop");
			table.put("steady / degrade / stop", pair(scenarios.steadyDegradeStop(gateway, gateway),
					scenarios.steadyDegradeStop(haproxyHost + ":" + (firstPort + 1), null)));
		}
		if (only.contains("hot")) {
			log("hot session");
			table.put("hot session", pair(scenarios.hotSession(gateway, gateway),
					scenarios.hotSession(haproxyHost + ":" + (firstPort + 2), null)));
		}
		if (only.contains("hetero")) {
			log("heterogeneous fleet");
			table.put("heterogeneous (keyless)", pair(scenarios.heterogeneous(gateway),
					scenarios.heterogeneous(haproxyHost + ":" + (firstPort + 3))));
		}
		StringBuilder md = new StringBuilder(
				"| scenario | figure | latency-lb | HAProxy |\n| --- | --- | ---: | ---: |\n");
		table.forEach((scenario,
				figures) -> figures[0].forEach((name, ours) -> md.append("| ")
					.append(scenario)
					.append(" | ")
					.append(name)
					.append(" | ")
					.append(ours)
					.append(" | ")
					.append(figures[1].getOrDefault(name, ""))
					.append(" |\n")));
		md.append("\nThe gateway's counters per phase (decisions by reason, flow moves by cause):\n\n");
		scenarios.counterNotes().forEach(md::append);
		System.out.print(md);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String>[] pair(Map<String, String> ours, Map<String, String> haproxy) {
		return new Map[] { ours, haproxy };
	}

	private static void log(String message) {
		System.err.println("[haproxy-compare] " + message);
	}

}
