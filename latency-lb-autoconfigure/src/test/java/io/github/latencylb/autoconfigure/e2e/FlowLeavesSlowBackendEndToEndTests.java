package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.List;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.MoveCause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9 on a real gateway: a backend that turns 10x slower is left by a flow pinned to
 * it within a few of the flow's responses (the sequential slowness test), not after a
 * window's worth of samples; the flow then stays on its new instance.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.latency.window=5s",
		"latency-lb.latency.min-samples=10" })
class FlowLeavesSlowBackendEndToEndTests {

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(20));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry registry;

	@Test
	void flowShouldLeaveABackendThatTurnsTenTimesSlowerWithinAFewResponses() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		TestBackends.Backend slow = backends.get("backend-4");
		// A flow at home on the backend that will slow down (second request: recorded).
		String flow = null;
		for (int i = 0; i < 200 && flow == null; i++) {
			if (slow.id.equals(GatewayEndToEndSupport.instanceFor(client, "leaver-" + i))) {
				flow = "leaver-" + i;
			}
		}
		assertThat(flow).isNotNull();
		assertThat(GatewayEndToEndSupport.instanceFor(client, flow)).isEqualTo(slow.id);
		// Every instance measured: the fleet's median is known.
		keyless(WebClient.create("http://127.0.0.1:" + this.port), 200);

		slow.delay.set(Duration.ofMillis(200));
		int responses = 0;
		String served = slow.id;
		while (served.equals(slow.id) && responses < 40) {
			served = GatewayEndToEndSupport.instanceFor(client, flow);
			responses++;
		}
		// A steady 10x slower instance is judged at its 5th response; gateway overhead on
		// a loaded machine shrinks the ratio, hence the margin (a windowed median needed
		// min-samples = 10 slow responses, and more for confidence).
		assertThat(responses).as("responses of the flow until it left").isBetween(2, 12);
		assertThat(this.registry.scheduler("svc").counters().moves(MoveCause.SLOW)).isPositive();
		for (int i = 0; i < 5; i++) {
			assertThat(GatewayEndToEndSupport.instanceFor(client, flow)).isEqualTo(served);
		}
	}

	private static void keyless(WebClient web, int count) {
		List<String> hits = Flux.range(0, count)
			.flatMap(
					(i) -> web.get().uri("/work").exchangeToMono((response) -> response.releaseBody().thenReturn("ok")),
					4)
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(hits).hasSize(count);
	}

}
