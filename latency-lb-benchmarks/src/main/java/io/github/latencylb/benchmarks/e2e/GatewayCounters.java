package io.github.latencylb.benchmarks.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's scheduler counters for one service (decisions by reason, flow moves by
 * cause, queue rejections, retries), read from its Prometheus endpoint: a snapshot at a
 * phase's start and end tells what the gateway decided within that phase.
 */
final class GatewayCounters {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private GatewayCounters() {
	}

	/**
	 * Read the counters of one service now.
	 * @param gateway the gateway's base URL
	 * @param service the service id
	 * @return the value of each counter series (the Prometheus line without its value),
	 * empty when the endpoint does not answer
	 */
	static Map<String, Double> snapshot(String gateway, String service) {
		Map<String, Double> counters = new TreeMap<>();
		try {
			HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/actuator/prometheus"))
				.timeout(Duration.ofSeconds(5))
				.build();
			String body = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
			for (String line : body.split("\n")) {
				if (line.matches("^latencylb_(decisions|flow_moves|queue_rejections|retries)\\S*\\{.*")
						&& line.contains("service=\"" + service + "\"")) {
					int space = line.lastIndexOf(' ');
					counters.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
				}
			}
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			System.err.println("[haproxy-compare] could not read counters: " + ex);
		}
		return counters;
	}

	/**
	 * Describe what changed between two snapshots, one counter per line.
	 * @param phase the phase's name
	 * @param from the snapshot at its start
	 * @param to the snapshot at its end
	 * @return the Markdown lines
	 */
	static String difference(String phase, Map<String, Double> from, Map<String, Double> to) {
		StringBuilder text = new StringBuilder("- ").append(phase).append(':');
		boolean any = false;
		for (Map.Entry<String, Double> counter : to.entrySet()) {
			double delta = counter.getValue() - from.getOrDefault(counter.getKey(), 0.0);
			if (delta > 0) {
				text.append(String.format(Locale.ROOT, "%n  - `%s` +%.0f", counter.getKey(), delta));
				any = true;
			}
		}
		return text.append(any ? "" : " nothing").append(System.lineSeparator()).toString();
	}

}
