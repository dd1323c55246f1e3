package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.latencylb.autoconfigure.affinity.PinReplicator;
import io.github.latencylb.autoconfigure.affinity.RedisServerProcess;
import io.github.latencylb.autoconfigure.affinity.ScaleOutGatewayApplication;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three gateway replicas (three application contexts on random ports, one JVM) in front
 * of four real loopback backends, sharing pins through one real Redis server
 * ({@link RedisServerProcess}): a flow moved on one replica stays on its new instance
 * through the others; a restarted replica learns the pins again; with Redis stopped no
 * request fails, and when it is back sharing resumes with what changed meanwhile; flows
 * leaving a dead instance while Redis is down land on the same instance through every
 * replica. Redis never sees a raw flow key.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutEndToEndTests {

	private static final Duration SHARED_WITHIN = Duration.ofSeconds(10);

	static RedisServerProcess redis;

	static TestBackends backends;

	static final List<ConfigurableApplicationContext> gateways = new ArrayList<>();

	static final String prefix = "e2e-" + Long.toHexString(System.nanoTime());

	@BeforeAll
	static void start() {
		redis = RedisServerProcess.start();
		backends = new TestBackends(4, Duration.ofMillis(10));
		for (int i = 0; i < 3; i++) {
			gateways.add(startGateway());
		}
		awaitAllUp();
		for (int g = 0; g < 3; g++) {
			warmUp(g);
		}
	}

	@AfterAll
	static void stop() {
		gateways.forEach(ConfigurableApplicationContext::close);
		if (backends != null) {
			backends.close();
		}
		if (redis != null) {
			redis.close();
		}
	}

	@Test
	@Order(1)
	void aFlowMovedOnOneReplicaShouldStayOnItsNewInstanceThroughTheOthers() {
		String drained = "backend-1";
		String drainedId = backends.get(drained).instanceId();
		// Flows whose home is backend-1, found through replica C (which records them at
		// home).
		List<String> flows = flowsHomedOn(drained, 2, 8, "moved-");
		assertThat(registry(0).scheduler("svc").setDraining(drainedId, true)).isTrue();
		try {
			Map<String, String> movedTo = new HashMap<>();
			for (String flow : flows) {
				String target = instanceFor(0, flow);
				assertThat(target).isNotEqualTo(drained);
				movedTo.put(flow, target);
			}
			// B never saw the drain: without shared pins it would send them home.
			await().atMost(SHARED_WITHIN).untilAsserted(() -> {
				for (String flow : flows) {
					assertThat(instanceFor(1, flow)).as(flow + " through B").isEqualTo(movedTo.get(flow));
					assertThat(instanceFor(2, flow)).as(flow + " through C").isEqualTo(movedTo.get(flow));
				}
			});
			for (int round = 0; round < 3; round++) {
				for (String flow : flows) {
					for (int g = 0; g < 3; g++) {
						assertThat(instanceFor(g, flow)).isEqualTo(movedTo.get(flow));
					}
				}
			}
			// A flow nobody moved stays home everywhere.
			String untouched = flowsHomedOn("backend-2", 2, 1, "untouched-").get(0);
			for (int g = 0; g < 3; g++) {
				assertThat(instanceFor(g, untouched)).isEqualTo("backend-2");
			}
			assertThat(replicator(0).dropped()).isZero();
			assertThat(redisHoldsNoRawKey("moved-")).isTrue();

			// A restarted replica learns the pins again from Redis.
			gateways.remove(2).close();
			gateways.add(startGateway());
			warmUp(2);
			await().atMost(SHARED_WITHIN).until(() -> replicator(2).state() == PinReplicator.State.UP);
			assertThat(replicator(2).loaded()).isGreaterThanOrEqualTo(flows.size());
			for (String flow : flows) {
				assertThat(instanceFor(2, flow)).as(flow + " through the restarted C").isEqualTo(movedTo.get(flow));
			}
		}
		finally {
			registry(0).scheduler("svc").setDraining(drainedId, false);
		}
	}

	@Test
	@Order(2)
	void redisStoppedMidRunShouldFailNoRequestAndSharingShouldResumeWhenItIsBack() throws Exception {
		List<String> load = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			load.add("load-" + i);
		}
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicInteger ok = new AtomicInteger();
		List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		List<Thread> clients = new ArrayList<>();
		for (int t = 0; t < 3; t++) {
			int offset = t;
			Thread client = new Thread(() -> {
				int i = offset;
				while (running.get()) {
					String flow = load.get(i % load.size());
					int g = i % 3;
					try {
						int status = client(g).get()
							.uri("/work")
							.cookie("SESSION", flow)
							.exchange()
							.returnResult(String.class)
							.getStatus()
							.value();
						if (status == 200) {
							ok.incrementAndGet();
						}
						else {
							failures.add(flow + " through " + g + ": " + status);
						}
					}
					catch (Throwable ex) {
						failures.add(flow + " through " + g + ": " + ex);
					}
					i++;
				}
			}, "scale-out-client-" + t);
			client.start();
			clients.add(client);
		}
		String drained = "backend-3";
		String drainedId = backends.get(drained).instanceId();
		List<String> flows = flowsHomedOn(drained, 2, 5, "outage-");
		try {
			Thread.sleep(1000);
			redis.stop();
			await().atMost(SHARED_WITHIN).until(() -> replicator(0).state() == PinReplicator.State.DOWN);
			// The gateway stays in service; the store's state is a detail of its health.
			String health = client(0).get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(health).contains("\"status\":\"UP\"")
				.contains("latencyLbPinStore")
				.contains("\"state\":\"down\"");
			// Moves made while Redis is down.
			assertThat(registry(0).scheduler("svc").setDraining(drainedId, true)).isTrue();
			Map<String, String> movedTo = new HashMap<>();
			for (String flow : flows) {
				movedTo.put(flow, instanceFor(0, flow));
				assertThat(movedTo.get(flow)).isNotEqualTo(drained);
			}
			Thread.sleep(2000);
			redis.startAgain();
			awaitAllUp();
			// What A changed during the outage reaches B and C.
			await().atMost(SHARED_WITHIN).untilAsserted(() -> {
				for (String flow : flows) {
					assertThat(instanceFor(1, flow)).as(flow + " through B").isEqualTo(movedTo.get(flow));
					assertThat(instanceFor(2, flow)).as(flow + " through C").isEqualTo(movedTo.get(flow));
				}
			});
			// And a move made after the outage too.
			String fresh = flowsHomedOn(drained, 1, 1, "after-").get(0);
			String target = instanceFor(0, fresh);
			assertThat(target).isNotEqualTo(drained);
			await().atMost(SHARED_WITHIN).until(() -> instanceFor(1, fresh).equals(target));
		}
		finally {
			running.set(false);
			for (Thread client : clients) {
				client.join(20_000);
			}
			registry(0).scheduler("svc").setDraining(drainedId, false);
			redis.startAgain();
		}
		assertThat(failures).isEmpty();
		assertThat(ok.get()).isGreaterThan(100);
	}

	@Test
	@Order(3)
	void flowsLeavingADeadInstanceWhileRedisIsDownShouldLandOnTheSameInstanceThroughEveryReplica() {
		String dead = "backend-4";
		List<String> flows = flowsHomedOn(dead, 2, 12, "dead-");
		for (int g = 0; g < 3; g++) {
			warmUp(g);
		}
		redis.stop();
		await().atMost(SHARED_WITHIN)
			.until(() -> gateways.stream()
				.allMatch((g) -> g.getBean(PinReplicator.class).state() == PinReplicator.State.DOWN));
		backends.get(dead).kill();
		Set<String> targets = new HashSet<>();
		for (String flow : flows) {
			Set<String> seen = new HashSet<>();
			for (int round = 0; round < 3; round++) {
				for (int g = 0; g < 3; g++) {
					seen.add(instanceFor(g, flow));
				}
			}
			StringBuilder views = new StringBuilder(flow);
			if (seen.size() > 1) {
				for (int g = 0; g < 3; g++) {
					views.append("\n replica ").append(g).append(": ").append(instanceFor(g, flow)).append(", ");
					registry(g).scheduler("svc")
						.snapshot()
						.instances()
						.forEach((i) -> views.append(i.id())
							.append(" p50=")
							.append(i.p50Nanos() / 1000)
							.append("us ewma=")
							.append((long) (i.peakEwmaNanos() / 1000))
							.append("us "));
				}
			}
			assertThat(seen).as(views.toString()).hasSize(1).doesNotContain(dead);
			targets.addAll(seen);
		}
		// Different flows still spread over the remaining instances.
		assertThat(targets).hasSizeGreaterThanOrEqualTo(2);
	}

	/**
	 * Keyless requests, so that a replica's latency estimates reflect the backends rather
	 * than its cold start (a cold JVM's first requests are many times slower).
	 */
	private static void warmUp(int replica) {
		WebTestClient client = client(replica);
		for (int i = 0; i < 200; i++) {
			client.get().uri("/work").exchange().expectStatus().isOk();
		}
	}

	/**
	 * Flows (cookie values) whose home is the given backend, found by asking one replica.
	 */
	private static List<String> flowsHomedOn(String backend, int replica, int count, String label) {
		List<String> flows = new ArrayList<>();
		for (int i = 0; flows.size() < count; i++) {
			assertThat(i).as("flows homed on " + backend).isLessThan(2000);
			String flow = label + i;
			if (instanceFor(replica, flow).equals(backend)) {
				flows.add(flow);
			}
		}
		return flows;
	}

	private static String instanceFor(int replica, String flow) {
		return GatewayEndToEndSupport.instanceFor(client(replica), flow);
	}

	/**
	 * A connection per request: the replicas are stopped, restarted and drained between
	 * tests, and a pooled keep-alive connection can stall on a busy machine
	 * (reactor/reactor-netty#4361, docs/admission.md).
	 */
	private static WebTestClient client(int replica) {
		return WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.baseUrl("http://127.0.0.1:" + port(gateways.get(replica)))
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	private static int port(ConfigurableApplicationContext gateway) {
		return gateway.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	private static SchedulerRegistry registry(int replica) {
		return gateways.get(replica).getBean(SchedulerRegistry.class);
	}

	private static PinReplicator replicator(int replica) {
		return gateways.get(replica).getBean(PinReplicator.class);
	}

	private static void awaitAllUp() {
		await().atMost(Duration.ofSeconds(60))
			.until(() -> gateways.stream()
				.allMatch((g) -> g.getBean(PinReplicator.class).state() == PinReplicator.State.UP));
	}

	private static boolean redisHoldsNoRawKey(String label) {
		AtomicReference<Boolean> clean = new AtomicReference<>(true);
		var template = new org.springframework.data.redis.core.ReactiveStringRedisTemplate(gateways.get(0)
			.getBean(org.springframework.data.redis.connection.ReactiveRedisConnectionFactory.class));
		List<String> entries = template
			.scan(org.springframework.data.redis.core.ScanOptions.scanOptions().match(prefix + ":*").build())
			.concatMap((key) -> template.opsForValue().get(key).map((value) -> key + "=" + value))
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(entries).isNotEmpty();
		entries.forEach((entry) -> {
			if (entry.contains(label)) {
				clean.set(false);
			}
		});
		return clean.get();
	}

	private static ConfigurableApplicationContext startGateway() {
		List<String> properties = new ArrayList<>(
				List.of("server.port=0", "spring.cloud.gateway.server.webflux.routes[0].id=svc",
						"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
						"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
						"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.affinity.store=redis",
						"latency-lb.affinity.redis.key-prefix=" + prefix, "latency-lb.affinity.redis.timeout=500ms",
						"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
						"management.endpoints.web.exposure.include=health",
						"management.endpoint.health.show-details=always", "management.health.redis.enabled=false",
						// Replicas agree without messages on candidates they see as
						// near-equal; their views of identical backends differ by noise.
						"latency-lb.fallback.near-equal-tolerance=0.5"));
		for (int i = 0; i < backends.backends.size(); i++) {
			properties.add("spring.cloud.discovery.client.simple.instances.svc[" + i + "].uri=http://127.0.0.1:"
					+ backends.backends.get(i).server.port());
		}
		return new SpringApplicationBuilder(ScaleOutGatewayApplication.class)
			.properties(properties.toArray(String[]::new))
			.run();
	}

}
