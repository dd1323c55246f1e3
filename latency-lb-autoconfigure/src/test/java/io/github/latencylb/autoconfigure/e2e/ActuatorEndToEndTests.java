package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator reads over HTTP from a real gateway after real traffic: the
 * {@code latencylb} actuator endpoint (its JSON field names, as the actuator's own JSON
 * mapper writes them) and the scheduler's meters on the metrics endpoint. Runs on both
 * Spring Boot lines, whose actuators serialize with different Jackson versions.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
		"management.endpoints.web.exposure.include=latencylb,metrics" })
class ActuatorEndToEndTests {

	static final TestBackends backends = new TestBackends(2, Duration.ofMillis(1));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Test
	void endpointAndMetricsShouldDescribeTheTrafficServed() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		String alice = null;
		for (int i = 0; i < 20; i++) {
			alice = GatewayEndToEndSupport.instanceFor(client, "alice");
			GatewayEndToEndSupport.instanceFor(client, null);
		}
		String aliceInstance = backends.get(alice).instanceId();

		String services = get(client, "/actuator/latencylb");
		assertThat(JsonPath.<Integer>read(services, "$.services.svc.instances")).isEqualTo(2);
		assertThat(JsonPath.<Map<String, Integer>>read(services, "$.services.svc.states")).containsEntry("active", 2);
		assertThat(JsonPath.<Number>read(services, "$.services.svc.decisions").longValue()).isEqualTo(40);
		assertThat(JsonPath.<Number>read(services, "$.services.svc.flowTableSize").longValue()).isEqualTo(1);

		String service = get(client, "/actuator/latencylb/svc");
		assertThat(JsonPath.<String>read(service, "$.service")).isEqualTo("svc");
		assertThat(JsonPath.<List<String>>read(service, "$.instances[*].id"))
			.containsExactlyInAnyOrderElementsOf(backends.backends.stream().map((b) -> b.instanceId()).toList());
		Map<String, Number> decisions = JsonPath.read(service, "$.decisions");
		assertThat(decisions.get("keyless").longValue()).isEqualTo(20);
		assertThat(decisions.values().stream().mapToLong(Number::longValue).sum()).isEqualTo(40);
		String aliceHome = "$.instances[?(@.id == '" + aliceInstance + "')]";
		assertThat(JsonPath.<List<Integer>>read(service, aliceHome + ".flows.home")).containsExactly(1);
		assertThat(JsonPath.<List<Integer>>read(service, aliceHome + ".flows.pinned")).containsExactly(0);
		assertThat(JsonPath.<List<Number>>read(service, "$.instances[*].latency.samples"))
			.allSatisfy((samples) -> assertThat(samples.longValue()).isPositive());
		assertThat(JsonPath.<List<String>>read(service, "$.instances[*].state")).containsOnly("active");
		assertThat(JsonPath.<List<Number>>read(service, "$.instances[*].ringShare")
			.stream()
			.mapToDouble(Number::doubleValue)
			.sum()).isBetween(0.999, 1.001);
		assertThat(JsonPath.<List<Integer>>read(service, "$.instances[*].bulkhead.max")).hasSize(2);

		String metric = get(client, "/actuator/metrics/latencylb.decisions?tag=service:svc&tag=reason:keyless");
		assertThat(JsonPath.<List<Number>>read(metric, "$.measurements[?(@.statistic == 'COUNT')].value"))
			.singleElement()
			.satisfies((count) -> assertThat(count.doubleValue()).isEqualTo(20.0));
	}

	private static String get(WebTestClient client, String uri) {
		return client.get()
			.uri(uri)
			.accept(MediaType.APPLICATION_JSON)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

}
