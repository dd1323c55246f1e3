package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.List;

import io.github.latencylb.autoconfigure.BootLine;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Helpers shared by the end-to-end tests.
 */
final class GatewayEndToEndSupport {

	private GatewayEndToEndSupport() {
	}

	/**
	 * Register loopback backends as the simple-discovery instances of service
	 * {@code svc}.
	 */
	static void registerInstances(DynamicPropertyRegistry registry, List<Integer> ports) {
		for (int i = 0; i < ports.size(); i++) {
			String uri = "http://127.0.0.1:" + ports.get(i);
			registry.add("spring.cloud.discovery.client.simple.instances.svc[" + i + "].uri", () -> uri);
		}
	}

	static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	static String instanceFor(WebTestClient client, String cookie) {
		WebTestClient.RequestHeadersSpec<?> spec = client.get().uri("/work");
		if (cookie != null) {
			spec = spec.cookie("SESSION", cookie);
		}
		return spec.exchange()
			.expectStatus()
			.isOk()
			.returnResult(String.class)
			.getResponseHeaders()
			.getFirst("X-Instance");
	}

	static void setInstances(SimpleReactiveDiscoveryProperties discovery, List<ServiceInstance> instances) {
		BootLine.setSimpleDiscoveryInstances(discovery, "svc", instances);
	}

}
