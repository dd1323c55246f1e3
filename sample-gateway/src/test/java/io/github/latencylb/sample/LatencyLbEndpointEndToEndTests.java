package io.github.latencylb.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The {@code latencylb} actuator endpoint of the sample gateway, read over HTTP after
 * real traffic through the gateway. Its write operation is not exposed by default.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class LatencyLbEndpointEndToEndTests {

	@LocalServerPort
	int port;

	@Test
	void serviceShouldShowEveryInstanceAndTheFlowsItHolds() {
		WebTestClient client = client(this.port);
		// Two requests per flow: a flow is recorded from its second on.
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < 40; i++) {
				send(client, "user-" + i);
			}
		}
		for (int i = 0; i < 20; i++) {
			send(client, null);
		}

		JsonNode demo = client.get()
			.uri("/actuator/latencylb/demo")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();

		assertThat(demo.get("service").asText()).isEqualTo("demo");
		// Other tests of this class may have sent requests too.
		long flows = demo.get("flowTableSize").asLong();
		assertThat(flows).isGreaterThanOrEqualTo(40);
		assertThat(demo.get("decisions").get("new-flow").asLong()).isPositive();
		assertThat(demo.get("decisions").get("keyless").asLong()).isGreaterThanOrEqualTo(20);
		long decided = 0;
		for (JsonNode count : demo.get("decisions")) {
			decided += count.asLong();
		}
		assertThat(decided).isGreaterThanOrEqualTo(60);
		assertThat(demo.get("flowMoves").get("byCause").get("slow").asLong()).isZero();
		// Admission runs by default: a retry budget per service, a bulkhead per instance.
		assertThat(demo.get("retryBudgetLeft").asDouble()).isGreaterThanOrEqualTo(0);
		List<String> ids = new ArrayList<>();
		int held = 0;
		double share = 0;
		for (JsonNode instance : demo.get("instances")) {
			ids.add(instance.get("id").asText());
			assertThat(instance.get("uri").asText()).startsWith("http://127.0.0.1:");
			assertThat(instance.get("state").asText()).isEqualTo("active");
			assertThat(instance.get("weight").asInt()).isEqualTo(1);
			assertThat(instance.get("inflight").asInt()).isZero();
			assertThat(instance.get("queueLengths").size()).isZero();
			JsonNode bulkhead = instance.get("bulkhead");
			assertThat(bulkhead.get("max").asInt()).isPositive();
			assertThat(bulkhead.get("available").asInt()).isEqualTo(bulkhead.get("max").asInt());
			held += instance.get("flows").get("home").asInt() + instance.get("flows").get("pinned").asInt();
			share += instance.get("ringShare").asDouble();
		}
		assertThat(ids).containsExactly("demo-1", "demo-2", "demo-3", "demo-4-slow");
		assertThat(held).isEqualTo(flows);
		assertThat(share).isCloseTo(1.0, within(0.01));
		JsonNode slow = demo.get("instances").get(3);
		if (slow.get("latency").has("p50Ms")) {
			assertThat(slow.get("latency").get("p50Ms").asDouble()).isGreaterThan(40);
		}
		assertThat(demo.toString()).doesNotContain("user-");
	}

	@Test
	void servicesShouldListTheDemoServiceAndUnknownServiceShouldBeNotFound() {
		WebTestClient client = client(this.port);
		send(client, "someone");

		client.get()
			.uri("/actuator/latencylb")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.services.demo.instances")
			.isEqualTo(4)
			.jsonPath("$.services.demo.states.active")
			.isEqualTo(4);
		client.get().uri("/actuator/latencylb/nope").exchange().expectStatus().isNotFound();
	}

	@Test
	void writeOperationShouldNotBeOpenByDefault() {
		WebTestClient client = client(this.port);
		send(client, "someone");

		client.post()
			.uri("/actuator/latencylb/demo")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("instance", "demo-1", "state", "draining"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
		client.get()
			.uri("/actuator/latencylb/demo")
			.exchange()
			.expectBody()
			.jsonPath("$.instances[0].state")
			.isEqualTo("active");
	}

	static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	static String send(WebTestClient client, String session) {
		WebTestClient.RequestHeadersSpec<?> request = client.get().uri("/work");
		if (session != null) {
			request = request.cookie("SESSION", session);
		}
		return request.exchange()
			.expectStatus()
			.isOk()
			.returnResult(String.class)
			.getResponseHeaders()
			.getFirst("X-Instance");
	}

}
