package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.SchedulerSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real gateway in front of four loopback backends, one of which becomes 10x slower:
 * after warm-up it gets less than 10% of keyless traffic, and the flows that lived on it
 * move to other instances while every other flow stays put.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.latency.window=2s",
		"latency-lb.latency.min-samples=10", "latency-lb.latency.decay=2s" })
class SlowBackendEndToEndTests {

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(10));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry registry;

	@Test
	void slowBackendShouldGetLittleKeylessTrafficAndLoseItsFlows() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		// Flows placed while the fleet is healthy.
		Map<String, String> before = new HashMap<>();
		for (int i = 0; i < 40; i++) {
			before.put("flow-" + i, GatewayEndToEndSupport.instanceFor(client, "flow-" + i));
		}
		TestBackends.Backend slow = backends.get("backend-4");
		assertThat(before).containsValue(slow.id);
		slow.delay.set(Duration.ofMillis(100));

		// Warm-up: the flows keep sending requests, with keyless traffic beside them,
		// until the
		// scheduler judges backend-4 slow (keyless traffic alone avoids it by peak EWMA).
		WebClient web = WebClient.create("http://127.0.0.1:" + this.port);
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			keyless(web, 40);
			flows(web, before.keySet());
			SchedulerSnapshot.Instance view = this.registry.scheduler("svc").snapshot().instance(slow.instanceId());
			return view != null && view.slow();
		});

		// Measured phase: keyless share of the slow backend.
		List<String> hits = keyless(web, 400);
		long onSlow = hits.stream().filter(slow.id::equals).count();
		assertThat((double) onSlow / hits.size()).as("share of keyless traffic on the slow backend").isLessThan(0.10);

		// Flows homed on the slow backend moved; all others stayed.
		int moved = 0;
		for (Map.Entry<String, String> flow : before.entrySet()) {
			String now = GatewayEndToEndSupport.instanceFor(client, flow.getKey());
			if (flow.getValue().equals(slow.id)) {
				assertThat(now).as(flow.getKey()).isNotEqualTo(slow.id);
				moved++;
			}
			else {
				assertThat(now).as(flow.getKey()).isEqualTo(flow.getValue());
			}
		}
		assertThat(this.registry.scheduler("svc").counters().moves(MoveCause.SLOW)).isEqualTo(moved);
	}

	private static void flows(WebClient web, java.util.Collection<String> cookies) {
		Flux.fromIterable(cookies)
			.flatMap((cookie) -> web.get()
				.uri("/work")
				.cookie("SESSION", cookie)
				.exchangeToMono((response) -> response.releaseBody()), 8)
			.blockLast(Duration.ofSeconds(60));
	}

	private static List<String> keyless(WebClient web, int count) {
		List<String> result = Flux.range(0, count)
			.flatMap((i) -> web.get()
				.uri("/work")
				.exchangeToMono((response) -> response.releaseBody()
					.thenReturn(String.valueOf(response.headers().asHttpHeaders().getFirst("X-Instance")))), 8)
			.collectList()
			.block(Duration.ofSeconds(60));
		return (result != null) ? result : new ArrayList<>();
	}

}
