package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code latency-lb.enabled=false}, the same gateway uses Spring's round robin: one
 * cookie's requests are spread evenly over every backend.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.routes[0].id=svc",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
				"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.enabled=false" })
@DirtiesContext
class RoundRobinWhenDisabledEndToEndTests {

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(1));

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		GatewayEndToEndSupport.registerInstances(registry,
				backends.backends.stream().map((b) -> b.server.port()).toList());
	}

	@AfterAll
	static void stopBackends() {
		backends.close();
	}

	@Test
	void disabledShouldGiveRoundRobinEvenForOneCookie() {
		assertThat(this.context.getBeanNamesForType(SchedulerRegistry.class)).isEmpty();
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 40; i++) {
			counts.merge(GatewayEndToEndSupport.instanceFor(client, "user-42"), 1, Integer::sum);
		}
		assertThat(counts).hasSize(4).allSatisfy((id, n) -> assertThat(n).isEqualTo(10));
	}

}
