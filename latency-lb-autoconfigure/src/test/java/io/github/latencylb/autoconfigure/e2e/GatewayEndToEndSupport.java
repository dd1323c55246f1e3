package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Helpers shared by the end-to-end tests.
 */
final class GatewayEndToEndSupport {

	static final String[] PROPERTIES = { "spring.cloud.gateway.server.webflux.routes[0].id=svc",
			"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
			"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
			"spring.cloud.loadbalancer.cache.enabled=false", "management.endpoints.web.exposure.include=health" };

	private GatewayEndToEndSupport() {
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
		List<DefaultServiceInstance> copies = instances.stream()
			.map((i) -> new DefaultServiceInstance(null, "svc", i.getHost(), i.getPort(), false))
			.toList();
		discovery.setInstances(new HashMap<>(Map.of("svc", copies)));
	}

}
