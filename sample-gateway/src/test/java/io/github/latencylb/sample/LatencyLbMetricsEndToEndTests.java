package io.github.latencylb.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * latency-lb's metrics in the sample gateway's Prometheus scrape, after real traffic; the
 * gauges of an instance that leaves discovery disappear.
 * ({@code @AutoConfigureObservability} because Spring Boot tests turn metrics export off
 * by default.)
 */
@AutoConfigureObservability(tracing = false)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.cloud.loadbalancer.cache.enabled=false")
@DirtiesContext
class LatencyLbMetricsEndToEndTests {

	@LocalServerPort
	int port;

	@Autowired
	SimpleReactiveDiscoveryProperties discovery;

	@Test
	void prometheusShouldShowDecisionsMovesAndInstanceGauges() {
		WebTestClient client = LatencyLbEndpointEndToEndTests.client(this.port);
		for (int i = 0; i < 30; i++) {
			// Two requests per flow: a flow at its home is recorded from its second.
			LatencyLbEndpointEndToEndTests.send(client, "user-" + i);
			LatencyLbEndpointEndToEndTests.send(client, "user-" + i);
			LatencyLbEndpointEndToEndTests.send(client, null);
		}

		String scrape = scrape(client);

		assertThat(scrape).containsPattern("latencylb_decisions_total\\{reason=\"new-flow\",service=\"demo\"} [1-9]")
			.containsPattern("latencylb_decisions_total\\{reason=\"keyless\",service=\"demo\"} [1-9]")
			.contains("latencylb_decisions_total{reason=\"fallback-slow\",service=\"demo\"}")
			.contains("latencylb_flow_moves_total{cause=\"slow\",service=\"demo\"}")
			.containsPattern("latencylb_flow_table_size\\{service=\"demo\"} [1-9]")
			.contains("latencylb_instance_inflight{instance=\"demo-1\",service=\"demo\"}")
			.contains("latencylb_instance_queue_length{instance=\"demo-4-slow\",service=\"demo\"} 0.0")
			.contains("latencylb_instance_flows{instance=\"demo-2\",kind=\"home\",service=\"demo\"}")
			.containsPattern("latencylb_instance_latency_seconds\\{instance=\"demo-1\",service=\"demo\"} 0\\.0");
		// Bounded tags: no path and no flow key anywhere in latency-lb's series.
		scrape.lines()
			.filter((line) -> line.startsWith("latencylb_"))
			.forEach((line) -> assertThat(line).doesNotContain("/work").doesNotContain("user-"));
	}

	@Test
	void gaugesOfAnInstanceThatLeavesShouldBeRemoved() {
		WebTestClient client = LatencyLbEndpointEndToEndTests.client(this.port);
		LatencyLbEndpointEndToEndTests.send(client, null);
		assertThat(scrape(client)).contains("instance=\"demo-4-slow\"");
		List<DefaultServiceInstance> all = this.discovery.getInstances("demo")
			.map(DefaultServiceInstance.class::cast)
			.collectList()
			.block();
		assertThat(all).hasSize(4);
		try {
			List<DefaultServiceInstance> fast = new ArrayList<>(all);
			fast.removeIf((instance) -> "demo-4-slow".equals(instance.getInstanceId()));
			this.discovery.setInstances(new HashMap<>(Map.of("demo", fast)));
			LatencyLbEndpointEndToEndTests.send(client, null);

			String scrape = scrape(client);

			assertThat(scrape).doesNotContain("instance=\"demo-4-slow\"")
				.contains("latencylb_instance_inflight{instance=\"demo-3\",service=\"demo\"}");
		}
		finally {
			this.discovery.setInstances(new HashMap<>(Map.of("demo", all)));
		}
	}

	private static String scrape(WebTestClient client) {
		return client.mutate()
			.responseTimeout(Duration.ofSeconds(10))
			.build()
			.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

}
