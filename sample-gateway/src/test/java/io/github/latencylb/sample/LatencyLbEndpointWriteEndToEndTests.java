package io.github.latencylb.sample;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code management.endpoint.latencylb.access=unrestricted}, a POST to
 * {@code /actuator/latencylb/demo} drains an instance (new flows go elsewhere, its
 * existing flows stay) and makes it active again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.latencylb.access=unrestricted")
@DirtiesContext
class LatencyLbEndpointWriteEndToEndTests {

	@LocalServerPort
	int port;

	@Test
	void writeShouldDrainAndReactivateAnInstance() {
		WebTestClient client = LatencyLbEndpointEndToEndTests.client(this.port);
		String kept = null;
		for (int i = 0; kept == null && i < 100; i++) {
			if ("demo-1".equals(LatencyLbEndpointEndToEndTests.send(client, "kept-" + i))) {
				kept = "kept-" + i;
			}
		}
		assertThat(kept).as("a flow at home on demo-1").isNotNull();

		setState(client, "demo-1", "draining").expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.id")
			.isEqualTo("demo-1")
			.jsonPath("$.state")
			.isEqualTo("draining");

		for (int i = 0; i < 50; i++) {
			assertThat(LatencyLbEndpointEndToEndTests.send(client, "new-" + i)).isNotEqualTo("demo-1");
		}
		assertThat(LatencyLbEndpointEndToEndTests.send(client, kept)).isEqualTo("demo-1");
		client.get()
			.uri("/actuator/latencylb")
			.exchange()
			.expectBody()
			.jsonPath("$.services.demo.states.draining")
			.isEqualTo(1);

		setState(client, "demo-1", "active").expectStatus().isOk().expectBody().jsonPath("$.state").isEqualTo("active");
		setState(client, "demo-1", "ejected").expectStatus().isBadRequest();
		setState(client, "demo-9", "draining").expectStatus().isBadRequest();
	}

	private WebTestClient.ResponseSpec setState(WebTestClient client, String instance, String state) {
		return client.post()
			.uri("/actuator/latencylb/demo")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("instance", instance, "state", state))
			.exchange();
	}

}
