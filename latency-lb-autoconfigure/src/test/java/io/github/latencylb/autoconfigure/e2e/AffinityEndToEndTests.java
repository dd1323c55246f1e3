package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.MoveCause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gateway on a random port in front of four real loopback backends: flows stay on
 * one instance, the gateway answers malformed keys without error, and removing a backend
 * moves only the flows it held.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false" })
class AffinityEndToEndTests {

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(2));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry registry;

	@Autowired
	SimpleReactiveDiscoveryProperties discovery;

	@Test
	void hundredRequestsWithOneCookieShouldHitOneInstance() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < 100; i++) {
			seen.add(GatewayEndToEndSupport.instanceFor(client, "user-42"));
		}
		assertThat(seen).hasSize(1);
		// Other cookies spread over the fleet (the ring does not send everything to one
		// place).
		Set<String> spread = new HashSet<>();
		for (int i = 0; i < 60; i++) {
			spread.add(GatewayEndToEndSupport.instanceFor(client, "spread-" + i));
		}
		assertThat(spread).hasSizeGreaterThanOrEqualTo(3);
	}

	@Test
	void oversizedEmptyOrOddCookieShouldBeServedKeylessNeverAnError() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		String huge = "x".repeat(5000);
		client.get().uri("/work").cookie("SESSION", huge).exchange().expectStatus().isOk();
		client.get().uri("/work").header("Cookie", "SESSION=").exchange().expectStatus().isOk();
		client.get().uri("/work").header("Cookie", "SESSION=\"unterminated; ;;=;").exchange().expectStatus().isOk();
		client.get().uri("/work").header("Cookie", "=====").exchange().expectStatus().isOk();
	}

	@Test
	void removingABackendShouldMoveOnlyItsFlows() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		Map<String, String> before = new HashMap<>();
		for (int i = 0; i < 80; i++) {
			// Two requests: a flow is recorded (and its moves counted) from its second
			// on.
			GatewayEndToEndSupport.instanceFor(client, "flow-" + i);
			before.put("flow-" + i, GatewayEndToEndSupport.instanceFor(client, "flow-" + i));
		}
		String removed = "backend-2";
		assertThat(before).containsValue(removed);
		long movesBefore = this.registry.scheduler("svc").counters().moves(MoveCause.UNAVAILABLE);
		List<TestBackends.Backend> remaining = backends.backends.stream().filter((b) -> !b.id.equals(removed)).toList();
		GatewayEndToEndSupport.setInstances(this.discovery, remaining.stream().map((b) -> b.instance("svc")).toList());
		try {
			int moved = 0;
			for (Map.Entry<String, String> flow : before.entrySet()) {
				String now = GatewayEndToEndSupport.instanceFor(client, flow.getKey());
				if (flow.getValue().equals(removed)) {
					assertThat(now).isNotEqualTo(removed);
					moved++;
				}
				else {
					assertThat(now).as(flow.getKey()).isEqualTo(flow.getValue());
				}
			}
			assertThat(this.registry.scheduler("svc").counters().moves(MoveCause.UNAVAILABLE) - movesBefore)
				.isEqualTo(moved);
		}
		finally {
			GatewayEndToEndSupport.setInstances(this.discovery, backends.instances("svc"));
		}
	}

}
