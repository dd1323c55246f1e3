package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code latency-lb.enabled=false}, the same gateway uses Spring's round robin: one
 * cookie's requests are spread evenly over every backend.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.enabled=false" })
class RoundRobinWhenDisabledEndToEndTests {

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(1));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

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
