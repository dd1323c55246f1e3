package io.github.latencylb.benchmarks.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The loopback backends of one scenario: {@code instances} instances named
 * {@code <scenario>-1...}, on consecutive ports, each with {@code workers} workers and a
 * service time. Also what the gateway and HAProxy need to know about them.
 *
 * @param scenario the scenario (the gateway's service id)
 * @param basePort port of the first instance
 * @param instances how many instances
 * @param workers workers per instance
 * @param serviceMillis service time of a regular request
 */
record Fleet(String scenario, int basePort, int instances, int workers, long serviceMillis) {

	static final Fleet SURGE = new Fleet("surge", 19301, 3, 2, 40);

	static final Fleet STEADY = new Fleet("steady", 19311, 4, 4, 20);

	static final Fleet HOT = new Fleet("hot", 19321, 4, 4, 20);

	static final Fleet HETERO = new Fleet("hetero", 19331, 4, 4, 20);

	static final Fleet WARM = new Fleet("warm", 19341, 2, 8, 1);

	/** Every fleet, in the order of HAProxy's listen ports. */
	static final List<Fleet> ALL = List.of(SURGE, STEADY, HOT, HETERO, WARM);

	String instanceName(int i) {
		return this.scenario + "-" + (i + 1);
	}

	/**
	 * Start the backends.
	 * @return them, in order
	 * @throws IOException if a port is taken
	 */
	List<SimulatedBackend> start() throws IOException {
		List<SimulatedBackend> backends = new ArrayList<>();
		for (int i = 0; i < this.instances; i++) {
			SimulatedBackend backend = new SimulatedBackend(instanceName(i), this.basePort + i, this.workers,
					this.serviceMillis);
			backend.start();
			backends.add(backend);
		}
		return backends;
	}

	/**
	 * The gateway's command-line arguments for this fleet: a route selected by the
	 * scenario header, to {@code lb://<scenario>}, and its instances in simple discovery.
	 * @param route the route's index
	 * @return the arguments
	 */
	List<String> gatewayArgs(int route) {
		String prefix = "--spring.cloud.gateway.server.webflux.routes[" + route + "].";
		List<String> args = new ArrayList<>(
				List.of(prefix + "id=" + this.scenario, prefix + "uri=lb://" + this.scenario,
						prefix + "predicates[0]=Header=" + ClosedLoopLoad.SCENARIO_HEADER + ", " + this.scenario));
		for (int i = 0; i < this.instances; i++) {
			String instance = "--spring.cloud.discovery.client.simple.instances." + this.scenario + "[" + i + "].";
			args.add(instance + "uri=http://127.0.0.1:" + (this.basePort + i));
			args.add(instance + "instance-id=" + instanceName(i));
		}
		return args;
	}

	/**
	 * HAProxy's {@code server} lines for this fleet.
	 * @param maxconn the per-server connection limit
	 * @return the lines
	 */
	String haproxyServers(int maxconn) {
		StringBuilder servers = new StringBuilder();
		for (int i = 0; i < this.instances; i++) {
			servers.append("  server ")
				.append(instanceName(i))
				.append(" 127.0.0.1:")
				.append(this.basePort + i)
				.append(" maxconn ")
				.append(maxconn)
				.append(" check inter 500ms fall 2 rise 2\n");
		}
		return servers.toString();
	}

}
