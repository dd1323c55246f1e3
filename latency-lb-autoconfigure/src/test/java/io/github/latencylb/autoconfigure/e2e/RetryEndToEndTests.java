package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.NestedTestConfiguration;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounded retries on another instance, end to end: a real gateway in front of three real
 * loopback backends. A GET answered 503 is retried once on a different instance, a POST
 * is not; the retry budget caps retries to its share of requests; and when a backend dies
 * mid-load every idempotent request still succeeds, retried on the next instance, the
 * dead backend never gets a request twice, and the flows it held move.
 */
@SpringBootTest(classes = { GatewayTestApplication.class, RetryEndToEndTests.Probes.class },
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.routes[0].id=tight",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb://tight",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/tight/**",
				"spring.cloud.gateway.server.webflux.routes[0].filters[0]=StripPrefix=1",
				"spring.cloud.gateway.server.webflux.routes[1].id=svc",
				"spring.cloud.gateway.server.webflux.routes[1].uri=lb://svc",
				"spring.cloud.gateway.server.webflux.routes[1].predicates[0]=Path=/**",
				"spring.cloud.loadbalancer.cache.enabled=false" })
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetryEndToEndTests {

	static final String INDEX_HEADER = "X-Request-Index";

	static final double BUDGET_RATIO = 0.2;

	static final double MIN_RETRIES_PER_SECOND = 5;

	static final TestBackends backends = new TestBackends(3, Duration.ofMillis(10));

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry schedulers;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	RetryCounts retries;

	@Autowired
	AttemptRecorder attempts;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		for (String service : List.of("svc", "tight")) {
			for (int i = 0; i < backends.backends.size(); i++) {
				int port = backends.backends.get(i).server.port();
				registry.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].uri",
						() -> "http://127.0.0.1:" + port);
			}
		}
		// The documented defaults, spelled out because the budget assertions use them.
		registry.add("latency-lb.retry.max-attempts", () -> "2");
		registry.add("latency-lb.retry.budget-ratio", () -> String.valueOf(BUDGET_RATIO));
		registry.add("latency-lb.retry.min-retries-per-second", () -> String.valueOf(MIN_RETRIES_PER_SECOND));
	}

	@AfterAll
	static void stopBackends() {
		backends.close();
	}

	@Test
	@Order(1)
	void postAnswered503ShouldNotBeRetriedWhileGetShouldBeRetriedOnAnotherInstance() {
		WebTestClient client = GatewayEndToEndSupport.client(this.port);
		int before = backendRequests();
		client.post()
			.uri("/status503")
			.header(INDEX_HEADER, "post-1")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists("X-Instance");
		assertThat(backendRequests() - before).as("backend requests for one POST").isEqualTo(1);
		assertThat(this.attempts.of("post-1")).hasSize(1);
		assertThat(this.retries.count("svc", "retried")).isZero();

		before = backendRequests();
		client.get()
			.uri("/status503")
			.header(INDEX_HEADER, "get-1")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists("X-Instance");
		assertThat(backendRequests() - before).as("backend requests for one GET").isEqualTo(2);
		List<Attempt> get = this.attempts.of("get-1");
		assertThat(get).hasSize(2);
		assertThat(get.get(1).instanceId()).isNotEqualTo(get.get(0).instanceId());
		assertThat(get.get(0).excluded()).isEmpty();
		assertThat(get.get(1).excluded()).containsExactly(get.get(0).instanceId());
		assertThat(this.retries.count("svc", "retried")).isEqualTo(1);
		// The second attempt was the last one allowed (max-attempts=2).
		assertThat(this.retries.count("svc", "exhausted")).isEqualTo(1);
	}

	@Test
	@Order(2)
	void retriesShouldStayWithinTheBudgetWhenEveryInstanceFails() {
		// Service "tight" sees only these requests, each of which would like a retry.
		int requests = 200;
		int before = backendRequests();
		HttpClient client = client(8);
		List<Integer> statuses = Flux.range(0, requests)
			.flatMap((i) -> client.headers((h) -> h.set(INDEX_HEADER, "tight-" + i))
				.get()
				.uri("/tight/status503")
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code()))), 8)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(statuses).hasSize(requests).containsOnly(503);
		long retried = this.retries.count("tight", "retried");
		long refused = this.retries.count("tight", "budget-exhausted");
		long budget = (long) Math.floor(BUDGET_RATIO * requests + MIN_RETRIES_PER_SECOND * 10);
		System.out.println("Retry budget with every instance answering 503: " + requests + " requests, " + retried
				+ " retried (budget " + budget + "), " + refused + " refused by the budget");
		assertThat(retried).isLessThanOrEqualTo(budget).isGreaterThanOrEqualTo((long) (MIN_RETRIES_PER_SECOND * 10));
		assertThat(refused).isPositive();
		assertThat(retried + refused).isEqualTo(requests);
		assertThat(backendRequests() - before).isEqualTo(requests + retried);
	}

	@Test
	@Order(3)
	void killingABackendMidLoadShouldRetryOnAnotherInstanceAndMoveOnlyItsFlows() {
		Scheduler scheduler = this.schedulers.scheduler("svc");
		long retriedBefore = this.retries.count("svc", "retried");
		long retryMovesBefore = scheduler.counters().moves(MoveCause.RETRY);
		long unavailableMovesBefore = scheduler.counters().moves(MoveCause.UNAVAILABLE);
		int total = 600;
		int flows = 60;
		AtomicBoolean killed = new AtomicBoolean();
		AtomicInteger completed = new AtomicInteger();
		Map<Integer, Result> results = new ConcurrentHashMap<>();
		HttpClient client = client(16);
		Mono<Void> load = Flux.range(0, total).flatMap((i) -> Mono.defer(() -> {
			boolean afterKill = killed.get();
			String flow = (i % 2 == 1) ? "flow-" + ((i / 2) % flows) : null;
			return client.headers((h) -> {
				h.set(INDEX_HEADER, String.valueOf(i));
				if (flow != null) {
					h.set("Cookie", "SESSION=" + flow);
				}
			})
				.get()
				.uri("/work")
				.responseSingle((response,
						body) -> body.then(Mono.just(new Result(flow, afterKill, response.status().code(),
								response.responseHeaders().get("X-Instance")))))
				.onErrorResume((ex) -> Mono.just(new Result(flow, afterKill, -1, ex.toString())))
				.doOnNext((result) -> results.put(i, result))
				.doFinally((signal) -> completed.incrementAndGet());
		}), 16).then().cache();
		load.subscribe();

		await().atMost(Duration.ofSeconds(15)).until(() -> completed.get() >= 200);
		// Kill the backend that holds the most flows so far.
		Map<String, String> flowsBefore = lastInstanceOfEachFlow(results, false);
		TestBackends.Backend victim = backends.backends.stream()
			.max((a, b) -> Long.compare(count(flowsBefore, a.id), count(flowsBefore, b.id)))
			.orElseThrow();
		String victimInstance = victim.instanceId();
		victim.kill();
		int receivedByVictim = victim.requests.get();
		killed.set(true);
		load.block(Duration.ofSeconds(30));

		// Every request succeeded, those that hit the dead backend after a retry.
		assertThat(results).hasSize(total);
		List<String> failed = results.entrySet()
			.stream()
			.filter((e) -> e.getValue().status() != 200)
			.map((e) -> e.getKey() + ": " + e.getValue() + ", attempts " + this.attempts.of(String.valueOf(e.getKey()))
					+ ", errors " + this.attempts.errorsOf(String.valueOf(e.getKey())))
			.toList();
		assertThat(failed).as("requests that did not get 200 (dead backend " + victimInstance + ")").isEmpty();
		// The dead backend received nothing after it died.
		assertThat(victim.requests.get()).isEqualTo(receivedByVictim);
		assertThat(results.values()).filteredOn(Result::afterKill)
			.allSatisfy((result) -> assertThat(result.instance()).isNotEqualTo(victim.id));

		// No request went twice to one instance; each retry excluded what it had tried.
		int retriedRequests = 0;
		for (int i = 0; i < total; i++) {
			List<Attempt> tried = this.attempts.of(String.valueOf(i));
			assertThat(tried).as("attempts of request " + i).hasSizeBetween(1, 2);
			List<String> ids = tried.stream().map(Attempt::instanceId).toList();
			assertThat(new HashSet<>(ids)).as("instances of request " + i).hasSameSizeAs(ids);
			Set<String> earlier = new LinkedHashSet<>();
			for (Attempt attempt : tried) {
				assertThat(attempt.excluded()).as("excluded at an attempt of request " + i).isEqualTo(earlier);
				earlier.add(attempt.instanceId());
			}
			if (tried.size() == 2) {
				retriedRequests++;
				assertThat(tried.get(0).instanceId()).as("a retried request first tried the dead backend")
					.isEqualTo(victimInstance);
			}
		}
		long retried = this.retries.count("svc", "retried") - retriedBefore;
		assertThat(retried).isEqualTo(retriedRequests).isPositive();
		long budget = (long) Math.floor(BUDGET_RATIO * total + MIN_RETRIES_PER_SECOND * 10);
		assertThat(retried).isLessThanOrEqualTo(budget);

		// Flows on the dead backend moved (by the retry, or after ejection); the others
		// stayed.
		Map<String, String> flowsAfter = lastInstanceOfEachFlow(results, true);
		long victimFlows = count(flowsBefore, victim.id);
		long retryMoves = scheduler.counters().moves(MoveCause.RETRY) - retryMovesBefore;
		long unavailableMoves = scheduler.counters().moves(MoveCause.UNAVAILABLE) - unavailableMovesBefore;
		long moves = retryMoves + unavailableMoves;
		System.out.println("Backend killed mid-load: " + total + " requests, " + retried + " retried (budget " + budget
				+ "), flows on the dead backend " + victimFlows + " of " + flowsBefore.size() + ", moves " + moves
				+ " (retry " + retryMoves + ", unavailable " + unavailableMoves + ")");
		assertThat(victimFlows).isPositive();
		assertThat(moves).isGreaterThanOrEqualTo(victimFlows);
		flowsBefore.forEach((flow, instance) -> {
			if (!instance.equals(victim.id) && flowsAfter.containsKey(flow)) {
				assertThat(flowsAfter.get(flow)).as(flow).isEqualTo(instance);
			}
		});
		assertThat(results.values()).filteredOn((r) -> r.afterKill() && flowsBefore.containsKey(r.flow()))
			.allSatisfy((r) -> assertThat(r.instance()).as(r.flow())
				.isEqualTo(flowsBefore.get(r.flow()).equals(victim.id) ? flowsAfter.get(r.flow())
						: flowsBefore.get(r.flow())));

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(scheduler.totalInflight()).isZero();
			assertThat(this.admission.queues("svc").values()).allSatisfy((queue) -> {
				assertThat(queue.queueLength()).isZero();
				assertThat(queue.pool().availablePermits()).isEqualTo(queue.pool().maxPermits());
			});
		});
	}

	private static Map<String, String> lastInstanceOfEachFlow(Map<Integer, Result> results, boolean afterKill) {
		Map<String, String> flows = new HashMap<>();
		new TreeMap<>(results).values()
			.stream()
			.filter((r) -> r.flow() != null && r.status() == 200 && r.afterKill() == afterKill)
			.forEach((r) -> flows.put(r.flow(), r.instance()));
		return flows;
	}

	private static long count(Map<String, String> flows, String instance) {
		return flows.values().stream().filter(instance::equals).count();
	}

	private static int backendRequests() {
		return backends.backends.stream().mapToInt((b) -> b.requests.get()).sum();
	}

	private HttpClient client(int connections) {
		ConnectionProvider pool = ConnectionProvider.builder("retry-e2e")
			.maxConnections(connections)
			.pendingAcquireMaxCount(-1)
			.build();
		return HttpClient.create(pool).baseUrl("http://127.0.0.1:" + this.port).responseTimeout(Duration.ofSeconds(10));
	}

	/**
	 * A request turned away by a full queue was never sent: it is retried on the next
	 * instance whatever its method, the flow is re-pinned there, and the response carries
	 * nothing of the rejection.
	 */
	@Nested
	@NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
	@SpringBootTest(classes = { GatewayTestApplication.class, RetryEndToEndTests.Probes.class },
			webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
			properties = { "spring.cloud.gateway.server.webflux.routes[0].id=svc",
					"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
					"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
					"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=1",
					"latency-lb.queue.max-length=0" })
	@DirtiesContext
	class WhenTheQueueIsFull {

		static final TestBackends fullBackends = new TestBackends(3, Duration.ofMillis(2));

		@LocalServerPort
		int port;

		@Autowired
		SchedulerRegistry schedulers;

		@Autowired
		AdmissionRegistry admission;

		@Autowired
		RetryCounts retries;

		@DynamicPropertySource
		static void instances(DynamicPropertyRegistry registry) {
			GatewayEndToEndSupport.registerInstances(registry,
					fullBackends.backends.stream().map((b) -> b.server.port()).toList());
		}

		@AfterAll
		static void stopBackends() {
			fullBackends.close();
		}

		@Test
		void requestRejectedByAFullQueueShouldBeRetriedOnTheNextInstanceAndRepinTheFlow() {
			WebTestClient client = GatewayEndToEndSupport.client(this.port);
			String home = GatewayEndToEndSupport.instanceFor(client, "hot");
			String homeId = fullBackends.get(home).instanceId();
			String postFlow = flowHomedOn(client, home);
			// A hanging request of the same flow holds home's only permit.
			Disposable hanging = WebClient.create("http://127.0.0.1:" + this.port)
				.get()
				.uri("/hang")
				.cookie("SESSION", "hot")
				.retrieve()
				.toBodilessEntity()
				.subscribe();
			try {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> this.admission.find("svc", homeId) != null
							&& this.admission.find("svc", homeId).pool().availablePermits() == 0);
				Scheduler scheduler = this.schedulers.scheduler("svc");
				long moves = scheduler.counters().moves(MoveCause.RETRY);
				long retried = this.retries.count("svc", "retried");

				EntityExchangeResult<String> get = client.get()
					.uri("/work")
					.cookie("SESSION", "hot")
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(String.class)
					.returnResult();
				String moved = get.getResponseHeaders().getFirst("X-Instance");
				assertThat(moved).isNotEqualTo(home);
				assertThat(get.getResponseBody()).isEqualTo(moved);
				// Nothing of the rejection leaks into the response of the retry.
				assertThat(get.getResponseHeaders().getFirst("Retry-After")).as("Retry-After").isNull();
				assertThat(get.getResponseHeaders().getContentType()).isNotEqualTo(MediaType.APPLICATION_JSON);
				assertThat(this.retries.count("svc", "retried")).isEqualTo(retried + 1);
				assertThat(scheduler.counters().moves(MoveCause.RETRY)).isEqualTo(moves + 1);

				// Never sent, so a POST is retried too.
				String postedTo = client.post()
					.uri("/work")
					.cookie("SESSION", postFlow)
					.exchange()
					.expectStatus()
					.isOk()
					.returnResult(String.class)
					.getResponseHeaders()
					.getFirst("X-Instance");
				assertThat(postedTo).isNotEqualTo(home);
				assertThat(this.retries.count("svc", "retried")).isEqualTo(retried + 2);
			}
			finally {
				hanging.dispose();
			}
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.admission.find("svc", homeId).pool().availablePermits() == 1);
			// Home has room again, but the flow stays where the retry put it.
			assertThat(GatewayEndToEndSupport.instanceFor(client, "hot")).isNotEqualTo(home);
		}

		@Test
		void requestRejectedEverywhereShouldGet503WithRetryAfterAndAJsonBody() {
			WebTestClient client = GatewayEndToEndSupport.client(this.port);
			List<Disposable> hanging = new ArrayList<>();
			WebClient web = WebClient.create("http://127.0.0.1:" + this.port);
			List<String> flows = fullBackends.backends.stream().map((b) -> flowHomedOn(client, b.id)).toList();
			try {
				for (String flow : flows) {
					hanging
						.add(web.get().uri("/hang").cookie("SESSION", flow).retrieve().toBodilessEntity().subscribe());
				}
				await().atMost(Duration.ofSeconds(10))
					.until(() -> this.admission.queues("svc").size() == 3 && this.admission.queues("svc")
						.values()
						.stream()
						.allMatch((queue) -> queue.pool().availablePermits() == 0));
				int before = fullBackends.backends.stream().mapToInt((b) -> b.requests.get()).sum();
				client.get()
					.uri("/work")
					.exchange()
					.expectStatus()
					.isEqualTo(503)
					.expectHeader()
					.valueEquals("Retry-After", "1")
					.expectHeader()
					.contentType(MediaType.APPLICATION_JSON)
					.expectBody()
					.jsonPath("$.error")
					.isEqualTo("queue_full");
				assertThat(fullBackends.backends.stream().mapToInt((b) -> b.requests.get()).sum())
					.as("a rejected request never reaches a backend")
					.isEqualTo(before);
			}
			finally {
				hanging.forEach(Disposable::dispose);
			}
		}

		private String flowHomedOn(WebTestClient client, String backendId) {
			for (int i = 0; i < 200; i++) {
				if (backendId.equals(GatewayEndToEndSupport.instanceFor(client, "for-" + backendId + "-" + i))) {
					return "for-" + backendId + "-" + i;
				}
			}
			throw new AssertionError("no flow homed on " + backendId);
		}

	}

	record Result(String flow, boolean afterKill, int status, String instance) {
	}

	record Attempt(String instanceId, Set<String> excluded) {
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Probes {

		@Bean
		RetryCounts retryCounts() {
			return new RetryCounts();
		}

		@Bean
		AttemptRecorder attemptRecorder() {
			return new AttemptRecorder();
		}

	}

	/**
	 * Counts retry decisions by service and outcome.
	 */
	static class RetryCounts implements RetryGlobalFilter.RetryListener {

		private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

		@Override
		public void retry(String serviceId, String outcome) {
			this.counts.computeIfAbsent(serviceId + "/" + outcome, (k) -> new LongAdder()).increment();
		}

		long count(String serviceId, String outcome) {
			LongAdder count = this.counts.get(serviceId + "/" + outcome);
			return (count != null) ? count.sum() : 0;
		}

	}

	/**
	 * Records every attempt that reaches a backend: the instance chosen and the instances
	 * excluded at that moment, by the request's index header.
	 */
	static class AttemptRecorder implements GlobalFilter, Ordered {

		private final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();

		private final Map<String, String> errors = new ConcurrentHashMap<>();

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			String index = exchange.getRequest().getHeaders().getFirst(INDEX_HEADER);
			Object chosen = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
			if (index != null && chosen instanceof LatencyLbResponse response) {
				Set<String> excluded = LatencyLbRequestContext.of(exchange).getExcluded();
				this.attempts.computeIfAbsent(index, (k) -> Collections.synchronizedList(new ArrayList<>()))
					.add(new Attempt(response.getDecision().instanceId(), new LinkedHashSet<>(excluded)));
				return chain.filter(exchange)
					.doOnError((ex) -> this.errors.merge(index, ex.toString(), (a, b) -> a + "; " + b));
			}
			return chain.filter(exchange);
		}

		String errorsOf(String index) {
			return this.errors.get(index);
		}

		List<Attempt> of(String index) {
			List<Attempt> list = this.attempts.get(index);
			return (list != null) ? List.copyOf(list) : List.of();
		}

		@Override
		public int getOrder() {
			// After the load balancer chose and admitted the attempt.
			return ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 3;
		}

	}

}
