package io.github.latencylb.autoconfigure.e2e;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.Ticket;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The attempts of one request never exceed {@code max-attempts}, whatever mix of failures
 * they meet, property style: for max-attempts 1 to 5, a real gateway in front of six
 * instances, each failing its own way (a 503, a reset connection, a refused connection, a
 * full queue, a queue timeout) but one, and many requests whose random flow keys send
 * their attempts through different sequences of them. For every request: attempts (and
 * attempts reaching a backend) never exceed max-attempts, a request that failed used them
 * all unless a queue timeout ended it (issue 9: one queue timeout covers the whole wait,
 * so a timeout is the request's last attempt and gives its 503), and the retry metric
 * counts exactly attempts - 1.
 */
class AttemptBoundEndToEndTests {

	static final String ID = "X-Request-Id";

	static final int REQUESTS = 40;

	static final FailingBackends backends = new FailingBackends();

	@AfterAll
	static void stopBackends() {
		backends.close();
	}

	@ParameterizedTest(name = "max-attempts={0}")
	@ValueSource(ints = { 1, 2, 3, 4, 5 })
	void attemptsShouldNeverExceedMaxAttemptsAndRetriesShouldCountAttemptsMinusOne(int maxAttempts) {
		List<String> properties = new ArrayList<>(
				List.of("server.port=0", "spring.cloud.gateway.server.webflux.routes[0].id=bad",
						"spring.cloud.gateway.server.webflux.routes[0].uri=lb://bad",
						"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/bad/**",
						"spring.cloud.gateway.server.webflux.routes[0].filters[0]=StripPrefix=1",
						"spring.cloud.gateway.server.webflux.routes[0].order=-1",
						"spring.cloud.gateway.server.webflux.routes[1].id=svc",
						"spring.cloud.gateway.server.webflux.routes[1].uri=lb://svc",
						"spring.cloud.gateway.server.webflux.routes[1].predicates[0]=Path=/**",
						"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.retry.max-attempts=" + maxAttempts,
						"latency-lb.retry.budget-ratio=1.0", "latency-lb.retry.min-retries-per-second=1000",
						"latency-lb.bulkhead.max-concurrent-calls=1", "latency-lb.queue.max-length=1",
						"latency-lb.queue.timeout=100ms", "latency-lb.queue.overflow-min-length=1000",
						// Keep every instance eligible, so that the flows' ring order
						// decides.
						"latency-lb.ejection.consecutive-failures=0", "latency-lb.failure-penalty=1ms",
						"latency-lb.latency-factor=1000",
						"spring.cloud.gateway.server.webflux.httpclient.response-timeout=5s"));
		List<Integer> ports = backends.ports();
		for (int i = 0; i < ports.size(); i++) {
			properties.add("spring.cloud.discovery.client.simple.instances.svc[" + i + "].uri=http://127.0.0.1:"
					+ ports.get(i));
			if (i < Kind.OK.ordinal()) {
				// Service "bad" has every instance but the healthy one.
				properties.add("spring.cloud.discovery.client.simple.instances.bad[" + i + "].uri=http://127.0.0.1:"
						+ ports.get(i));
			}
		}
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayTestApplication.class,
				Probes.class)
			.properties(properties.toArray(String[]::new))
			.run()) {
			run(context, maxAttempts);
		}
	}

	private void run(ConfigurableApplicationContext context, int maxAttempts) {
		int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		AttemptRecorder attempts = context.getBean(AttemptRecorder.class);
		RetryCounter retries = context.getBean(RetryCounter.class);
		AdmissionRegistry admission = context.getBean(AdmissionRegistry.class);
		// The full instance: its permit taken and its one queue slot held by a waiter
		// that outranks every request. The timing-out instance: its permit taken.
		HttpClient client = HttpClient.create(ConnectionProvider.newConnection())
			.runOn(backends.loops)
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(10));
		// Warm up: each service's scheduler learns its instances (and creates their
		// queues) before the test saturates two of them.
		for (String path : List.of("/work", "/bad/work")) {
			client.get()
				.uri(path)
				.responseSingle((response, body) -> body.then())
				.onErrorResume((ex) -> Mono.empty())
				.block(Duration.ofSeconds(10));
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> List.of("svc", "bad")
				.stream()
				.flatMap((service) -> admission.queues(service).values().stream())
				.allMatch((queue) -> queue.pool().availablePermits() == queue.pool().maxPermits()));
		List<Ticket> held = new ArrayList<>();
		List<PriorityAdmissionQueue> saturated = new ArrayList<>();
		for (String service : List.of("svc", "bad")) {
			PriorityAdmissionQueue full = admission.queue(service, backends.instanceId(Kind.FULL));
			held.add(full.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE));
			Ticket waiter = full.acquire(-2047, 0, PriorityAdmissionQueue.NO_DEADLINE);
			assertThat(waiter.state()).isEqualTo(Ticket.State.QUEUED);
			held.add(waiter);
			PriorityAdmissionQueue timingOut = admission.queue(service, backends.instanceId(Kind.TIMEOUT));
			held.add(timingOut.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE));
			saturated.add(full);
			saturated.add(timingOut);
		}
		assertThat(held).filteredOn((t) -> t.state() == Ticket.State.GRANTED).hasSize(4);
		SplittableRandom random = new SplittableRandom(31L * maxAttempts);
		Map<String, Integer> sequences = new TreeMap<>();
		Set<String> kindsMet = new HashSet<>();
		try {
			for (int i = 0; i < REQUESTS; i++) {
				String id = maxAttempts + "-" + i;
				String flow = Long.toHexString(random.nextLong());
				long retriedBefore = retries.retried.get();
				int status = client.headers((h) -> h.set(ID, id).set("Cookie", "SESSION=" + flow))
					.get()
					.uri((i % 2 == 0) ? "/work" : "/bad/work")
					.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
					.onErrorResume((ex) -> Mono.just(-1))
					.block(Duration.ofSeconds(20));
				List<String> tried = attempts.of(id);
				long retried = retries.retried.get() - retriedBefore;
				int received = backends.received(id);
				String sequence = String.join(",", tried) + " -> " + status;
				// The property.
				assertThat(tried).as(sequence).isNotEmpty().hasSizeLessThanOrEqualTo(maxAttempts);
				assertThat(received).as("attempts reaching a backend, " + sequence).isLessThanOrEqualTo(tried.size());
				assertThat(retried).as("retries counted, " + sequence).isEqualTo(tried.size() - 1);
				assertThat(new HashSet<>(attempts.instancesOf(id))).as("instances, " + sequence)
					.hasSameSizeAs(attempts.instancesOf(id));
				assertThat(tried.subList(0, tried.size() - 1)).as("no retry after a queue timeout, " + sequence)
					.doesNotContain("queue_timeout");
				if ("queue_timeout".equals(tried.get(tried.size() - 1))) {
					assertThat(status).as("a queue timeout ends the request, " + sequence).isEqualTo(503);
				}
				else if (status != 200) {
					assertThat(tried).as("a failed request used every attempt, " + sequence).hasSize(maxAttempts);
				}
				else {
					assertThat(tried.get(tried.size() - 1)).isEqualTo("200");
				}
				sequences.merge(String.join(",", tried), 1, Integer::sum);
				kindsMet.addAll(tried);
			}
		}
		finally {
			held.forEach(Ticket::cancel);
		}
		// The queues saturated were the ones requests met all along.
		assertThat(saturated).containsExactly(admission.find("svc", backends.instanceId(Kind.FULL)),
				admission.find("svc", backends.instanceId(Kind.TIMEOUT)),
				admission.find("bad", backends.instanceId(Kind.FULL)),
				admission.find("bad", backends.instanceId(Kind.TIMEOUT)));
		System.out.println("Attempt bound, max-attempts=" + maxAttempts + ": " + REQUESTS + " requests, "
				+ sequences.size() + " distinct sequences of attempts: " + sequences);
		if (maxAttempts == 5) {
			// Requests met every kind of failure, in many orders.
			assertThat(kindsMet).contains("200", "503", "reset", "refused", "queue_full", "queue_timeout");
			assertThat(sequences).hasSizeGreaterThanOrEqualTo(8);
		}
	}

	enum Kind {

		STATUS_503, RESET, REFUSED, FULL, TIMEOUT, OK

	}

	@Configuration(proxyBeanMethods = false)
	static class Probes {

		@Bean
		AttemptRecorder attemptRecorder() {
			return new AttemptRecorder();
		}

		@Bean
		RetryCounter retryCounter() {
			return new RetryCounter();
		}

	}

	static class RetryCounter implements RetryGlobalFilter.RetryListener {

		final AtomicLong retried = new AtomicLong();

		@Override
		public void retry(String serviceId, String outcome) {
			if ("retried".equals(outcome)) {
				this.retried.incrementAndGet();
			}
		}

	}

	/**
	 * Wraps each attempt (after the retry filter, before the load balancer): records how
	 * it ended (a status, or the kind of failure) and on which instance.
	 */
	static class AttemptRecorder implements GlobalFilter, Ordered {

		private final Map<String, List<String>> outcomes = new ConcurrentHashMap<>();

		private final Map<String, List<String>> instances = new ConcurrentHashMap<>();

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			String id = exchange.getRequest().getHeaders().getFirst(ID);
			if (id == null) {
				return chain.filter(exchange);
			}
			return chain.filter(exchange).doOnSuccess((v) -> {
				int status = (exchange.getResponse().getStatusCode() != null)
						? exchange.getResponse().getStatusCode().value() : -1;
				record(exchange, id, String.valueOf(status));
			}).doOnError((ex) -> record(exchange, id, kind(ex)));
		}

		private void record(ServerWebExchange exchange, String id, String outcome) {
			this.outcomes.computeIfAbsent(id, (k) -> Collections.synchronizedList(new ArrayList<>())).add(outcome);
			// The attempt the load balancer chose, admitted or not.
			LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
			LatencyLbResponse chosen = (context != null) ? context.getAttempt() : null;
			String instance = (chosen != null) ? chosen.getDecision().instanceId() : "none";
			this.instances.computeIfAbsent(id, (k) -> Collections.synchronizedList(new ArrayList<>())).add(instance);
		}

		private static String kind(Throwable ex) {
			if (ex instanceof AdmissionRejectedException rejected) {
				return (rejected.cause() == AdmissionRejectedException.Cause.FULL) ? "queue_full" : "queue_timeout";
			}
			for (Throwable t = ex; t != null; t = t.getCause()) {
				if (t instanceof java.net.ConnectException) {
					return "refused";
				}
			}
			return "reset";
		}

		List<String> of(String id) {
			List<String> list = this.outcomes.get(id);
			return (list != null) ? List.copyOf(list) : List.of();
		}

		List<String> instancesOf(String id) {
			List<String> list = this.instances.get(id);
			return (list != null) ? List.copyOf(list) : List.of();
		}

		@Override
		public int getOrder() {
			return RetryGlobalFilter.ORDER + 1;
		}

	}

	/**
	 * Six instances on loopback, one per {@link Kind}: the 503 and reset ones read the
	 * request and then fail it, the refused one is a port nobody listens on, the full and
	 * timing-out ones are healthy servers whose admission the test saturates, and the
	 * last one answers 200.
	 */
	static final class FailingBackends implements AutoCloseable {

		private final Map<Kind, DisposableServer> servers = new HashMap<>();

		private final Map<Kind, Integer> ports = new TreeMap<>();

		private final Map<String, Integer> received = new ConcurrentHashMap<>();

		/**
		 * Own event loops: each gateway context disposes Reactor Netty's global resources
		 * when it closes.
		 */
		final LoopResources loops = LoopResources.create("attempt-bound", 2, true);

		FailingBackends() {
			for (Kind kind : Kind.values()) {
				if (kind == Kind.REFUSED) {
					this.ports.put(kind, freePort());
					continue;
				}
				DisposableServer server = HttpServer.create()
					.runOn(this.loops)
					.host("127.0.0.1")
					.port(0)
					.handle((request, response) -> request.receive().then(Mono.defer(() -> {
						String id = request.requestHeaders().get(ID);
						if (id != null) {
							this.received.merge(id, 1, Integer::sum);
						}
						return switch (kind) {
							case STATUS_503 -> response.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
								.sendString(Mono.just("busy"), StandardCharsets.UTF_8)
								.then();
							case RESET -> Mono.fromRunnable(() -> request.withConnection((connection) -> {
								connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
								connection.channel().close();
							}));
							default -> response.sendString(Mono.just("ok"), StandardCharsets.UTF_8).then();
						};
					})))
					.bindNow();
				this.servers.put(kind, server);
				this.ports.put(kind, server.port());
			}
		}

		private static int freePort() {
			try (ServerSocket socket = new ServerSocket()) {
				socket.bind(new InetSocketAddress("127.0.0.1", 0));
				return socket.getLocalPort();
			}
			catch (java.io.IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		List<Integer> ports() {
			return List.copyOf(this.ports.values());
		}

		String instanceId(Kind kind) {
			return "127.0.0.1:" + this.ports.get(kind);
		}

		int received(String id) {
			return this.received.getOrDefault(id, 0);
		}

		@Override
		public void close() {
			this.servers.values().forEach((s) -> s.disposeNow(Duration.ofSeconds(2)));
			this.loops.disposeLater().block(Duration.ofSeconds(5));
		}

	}

}
