package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.InstanceState;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gateway with Spring Cloud LoadBalancer's active health checks
 * ({@code configurations=health-check}, probes every 500 ms) in front of three real
 * loopback backends: an instance that passes its first check a moment after start-up
 * joins warm (settle period), flows stay put across check rounds, an instance that fails
 * its checks leaves and only its flows move, and an instance that comes back after the
 * settle period warms up. See docs/suppliers.md.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.configurations=health-check",
		"spring.cloud.loadbalancer.health-check.update-results-list=false",
		"spring.cloud.loadbalancer.health-check.interval=500ms", "latency-lb.slow-start.settle-period=5s" })
class HealthCheckSupplierEndToEndTests {

	static final Duration SETTLE = Duration.ofSeconds(5);

	static final TestBackends backends = new TestBackends(3, Duration.ofMillis(1));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	static {
		// Up, but failing its health checks when the gateway starts.
		backends.get("backend-3").healthy = false;
	}

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry registry;

	@Test
	void healthCheckedListShouldComposeWithSettleSlowStartAndFlows() throws InterruptedException {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		// Until the first probe round has answered: if every probe of that round is too
		// slow (a cold start on a busy machine), the supplier's first list is empty and
		// the gateway answers 503 no_instance meanwhile.
		long firstDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (client.get()
			.uri("/work")
			.header("Connection", "close")
			.exchange()
			.returnResult(String.class)
			.getStatus()
			.value() != 200) {
			assertThat(System.nanoTime() - firstDeadline).as("a first non-empty list in time").isNegative();
			Thread.sleep(50);
		}
		long firstList = System.nanoTime();
		Scheduler scheduler = this.registry.find("svc");
		backends.backends.forEach((b) -> System.out.println("phase: " + b.id + " is " + b.instanceId()));
		// The first list: backend-3 fails its check (and on a busy machine a cold first
		// probe of another instance may time out too).
		assertThat(ids(scheduler)).isNotEmpty().doesNotContain(id("backend-3"));

		// backend-3 passes its checks a moment later: it joins warm.
		System.out.println("phase: backend-3 healthy");
		backends.get("backend-3").healthy = true;
		awaitInstances(client, scheduler, (ids) -> ids.size() == 3);
		assertThat(Duration.ofNanos(System.nanoTime() - firstList)).as("joined within the settle period")
			.isLessThan(SETTLE);
		assertThat(scheduler.snapshot().instances()).allMatch((i) -> i.state() == InstanceState.ACTIVE);

		// Flows stay put across several check rounds (each emits the whole list).
		Map<String, String> flows = new HashMap<>();
		for (int i = 0; i < 60; i++) {
			flows.put("flow-" + i, instanceFor(client, "flow-" + i));
		}
		assertThat(new HashSet<>(flows.values())).hasSize(3);
		long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
		while (System.nanoTime() - until < 0) {
			for (Map.Entry<String, String> flow : flows.entrySet()) {
				assertThat(instanceFor(client, flow.getKey())).isEqualTo(flow.getValue());
			}
		}
		assertThat(totalMoves(scheduler)).isZero();

		// backend-2 fails its checks: it leaves the list, and only its flows move.
		System.out.println("phase: backend-2 unhealthy");
		backends.get("backend-2").healthy = false;
		awaitInstances(client, scheduler, (ids) -> !ids.contains(id("backend-2")));
		int moved = 0;
		for (Map.Entry<String, String> flow : flows.entrySet()) {
			String now = instanceFor(client, flow.getKey());
			if (flow.getValue().equals("backend-2")) {
				assertThat(now).isNotEqualTo("backend-2");
				moved++;
			}
			else {
				assertThat(now).as(flow.getKey()).isEqualTo(flow.getValue());
			}
		}
		assertThat(moved).isPositive();
		assertThat(scheduler.counters().moves(MoveCause.UNAVAILABLE)).isEqualTo(moved);
		assertThat(totalMoves(scheduler)).isEqualTo(moved);

		// Back after the settle period: a newcomer to a steady service, so it warms up.
		long wait = SETTLE.toNanos() - (System.nanoTime() - firstList);
		if (wait > 0) {
			Thread.sleep(Duration.ofNanos(wait).toMillis() + 100);
		}
		System.out.println("phase: backend-2 healthy");
		backends.get("backend-2").healthy = true;
		awaitInstances(client, scheduler, (ids) -> ids.contains(id("backend-2")));
		assertThat(stateOf(scheduler, id("backend-2"))).isEqualTo(InstanceState.WARMING);
		assertThat(stateOf(scheduler, id("backend-1"))).isEqualTo(InstanceState.ACTIVE);
	}

	/**
	 * Send keyless requests (the scheduler sees a new list on its next request) until the
	 * instance set matches, for at most 10 s.
	 */
	private static void awaitInstances(WebTestClient client, Scheduler scheduler, Predicate<Set<String>> condition)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.test(ids(scheduler))) {
			assertThat(System.nanoTime() - deadline).as("instance set in time: " + ids(scheduler)).isNegative();
			instanceFor(client, null);
			Thread.sleep(20);
		}
	}

	/**
	 * One request on a connection of its own: on a busy machine, a keep-alive request
	 * that arrives before the gateway has finished the previous exchange on that
	 * connection can stall (reactor/reactor-netty#4361, docs/admission.md).
	 */
	private static String instanceFor(WebTestClient client, String cookie) {
		WebTestClient.RequestHeadersSpec<?> spec = client.get().uri("/work").header("Connection", "close");
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

	private static String id(String backend) {
		return backends.get(backend).instanceId();
	}

	private static Set<String> ids(Scheduler scheduler) {
		Set<String> ids = new HashSet<>();
		scheduler.snapshot().instances().forEach((i) -> ids.add(i.id()));
		return ids;
	}

	private static InstanceState stateOf(Scheduler scheduler, String id) {
		return scheduler.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.id().equals(id))
			.map(SchedulerSnapshot.Instance::state)
			.findFirst()
			.orElseThrow();
	}

	private static long totalMoves(Scheduler scheduler) {
		return scheduler.snapshot().moves().values().stream().mapToLong(Long::longValue).sum();
	}

}
