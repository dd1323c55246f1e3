package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.Scheduler;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Permits and queue slots are given back exactly once whatever happens: thousands of
 * requests through a gateway with three permits and a short queue per instance, against
 * backends that answer after a random delay, hang, or reset the connection, while clients
 * give up at random. Afterwards every bulkhead (ours and as Resilience4j sees it) is full
 * again, every queue empty and nothing is in flight.
 */
@GatewayEndToEndTests(
		properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=3",
				"latency-lb.queue.timeout=200ms", "latency-lb.queue.max-length=20" })
class AdmissionLeakEndToEndTests {

	static final int REQUESTS = 3000;

	static final int CONCURRENCY = 64;

	static final ChaosBackends backends = new ChaosBackends(3);

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	BulkheadRegistry bulkheads;

	@Autowired
	SchedulerRegistry schedulers;

	@Test
	void randomDelaysHangsResetsAndCancellationsShouldLeaveEveryPermitAndQueueSlotReturned() {
		Outcomes outcomes = new Outcomes();
		SplittableRandom plan = new SplittableRandom(20240611L);
		List<Request> requests = new ArrayList<>(REQUESTS);
		for (int i = 0; i < REQUESTS; i++) {
			double kind = plan.nextDouble();
			// 40% cancelled by a client timeout, 20% disposed by the client, 40% patient.
			Cancel cancel = (kind < 0.4) ? Cancel.TIMEOUT : (kind < 0.6) ? Cancel.DISPOSE : Cancel.NONE;
			String flow = (plan.nextDouble() < 0.5) ? "flow-" + plan.nextInt(40) : null;
			requests.add(new Request(flow, cancel, Duration.ofMillis(10 + plan.nextInt(291))));
		}
		// One connection per request: with keep-alive, a request that reaches the gateway
		// before the previous exchange on its connection has terminated, and is then
		// answered synchronously (an immediate 503), can stall the connection in Reactor
		// Netty 1.2.x (reactor/reactor-netty#4361), which is not what this test is about.
		HttpClient client = HttpClient.newConnection().baseUrl("http://127.0.0.1:" + this.port);
		long start = System.nanoTime();
		Flux.fromIterable(requests)
			.flatMap((request) -> send(client, request, outcomes), CONCURRENCY)
			.then()
			.block(Duration.ofSeconds(60));
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		Scheduler scheduler = this.schedulers.scheduler("svc");
		try {
			await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
				assertThat(this.admission.queues("svc")).hasSize(3);
				assertThat(this.admission.queues("svc").values()).allSatisfy((queue) -> {
					assertThat(queue.queueLength()).isZero();
					assertThat(queue.pool().maxPermits()).isEqualTo(3);
					assertThat(queue.pool().availablePermits()).isEqualTo(3);
				});
				List<Bulkhead> ours = this.bulkheads.getAllBulkheads()
					.stream()
					.filter((b) -> b.getName().startsWith("svc:"))
					.toList();
				assertThat(ours).hasSize(3).allSatisfy((bulkhead) -> {
					assertThat(bulkhead.getMetrics().getMaxAllowedConcurrentCalls()).isEqualTo(3);
					assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).as(bulkhead.getName()).isEqualTo(3);
				});
				assertThat(scheduler.totalInflight()).isZero();
				assertThat(scheduler.snapshot().instances()).allSatisfy((i) -> assertThat(i.inflight()).isZero());
			});
		}
		finally {
			System.out.println("Admission leak test: " + REQUESTS + " requests, concurrency " + CONCURRENCY + ", in "
					+ took.toMillis() + " ms: " + outcomes + "; backends " + backends + "; overflow decisions "
					+ scheduler.counters().decisions(DecisionReason.OVERFLOW));
		}
		assertThat(outcomes.total()).isEqualTo(REQUESTS);
		assertThat(outcomes.count("stuck")).as("patient requests never answered").isZero();
		// Every path was exercised.
		assertThat(outcomes.count("200")).isPositive();
		assertThat(outcomes.count("503")).isPositive();
		assertThat(outcomes.count("cancelled")).isPositive();
		assertThat(backends.count(Behaviour.RESET) + backends.count(Behaviour.CLOSE)).isPositive();
		assertThat(backends.count(Behaviour.HANG)).isPositive();
	}

	private static Mono<Void> send(HttpClient client, Request request, Outcomes outcomes) {
		HttpClient configured = (request.flow() != null)
				? client.headers((h) -> h.set("Cookie", "SESSION=" + request.flow())) : client;
		Mono<String> exchange = configured.get()
			.uri("/work")
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((ignored) -> String.valueOf(response.status().code())));
		Mono<String> outcome = switch (request.cancel()) {
			case TIMEOUT -> exchange.timeout(request.patience())
				.onErrorResume(TimeoutException.class, (ex) -> Mono.just("cancelled"));
			case DISPOSE -> exchange.takeUntilOther(Mono.delay(request.patience())).defaultIfEmpty("cancelled");
			case NONE -> exchange.timeout(Duration.ofSeconds(20));
		};
		return outcome.onErrorResume((ex) -> Mono.just((ex instanceof TimeoutException) ? "stuck" : "reset"))
			.doOnNext(outcomes::add)
			.then();
	}

	enum Cancel {

		NONE, TIMEOUT, DISPOSE

	}

	enum Behaviour {

		DELAY, HANG, RESET, CLOSE

	}

	record Request(String flow, Cancel cancel, Duration patience) {
	}

	static final class Outcomes {

		private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

		void add(String outcome) {
			this.counts.computeIfAbsent(outcome, (k) -> new LongAdder()).increment();
		}

		long count(String outcome) {
			LongAdder count = this.counts.get(outcome);
			return (count != null) ? count.sum() : 0;
		}

		long total() {
			return this.counts.values().stream().mapToLong(LongAdder::sum).sum();
		}

		@Override
		public String toString() {
			Map<String, Long> sorted = new TreeMap<>();
			this.counts.forEach((k, v) -> sorted.put(k, v.sum()));
			return sorted.toString();
		}

	}

	/**
	 * Misbehaving backends on loopback: 70% of requests are answered after 0-50 ms, 10%
	 * hang for 1.2 s, 10% get their connection reset (RST) and 10% closed without an
	 * answer.
	 */
	static final class ChaosBackends implements LoopbackBackends {

		final List<Backend> backends = new ArrayList<>();

		ChaosBackends(int count) {
			for (int i = 1; i <= count; i++) {
				this.backends.add(new Backend("chaos-" + i));
			}
		}

		long count(Behaviour behaviour) {
			return this.backends.stream().mapToLong((b) -> b.counts.get(behaviour).get()).sum();
		}

		@Override
		public List<Integer> ports() {
			return this.backends.stream().map((b) -> b.server.port()).toList();
		}

		@Override
		public void close() {
			this.backends.forEach((b) -> b.server.disposeNow(Duration.ofSeconds(1)));
		}

		@Override
		public String toString() {
			Map<Behaviour, Long> counts = new TreeMap<>();
			for (Behaviour behaviour : Behaviour.values()) {
				counts.put(behaviour, count(behaviour));
			}
			return counts.toString();
		}

		static final class Backend {

			final Map<Behaviour, AtomicInteger> counts = new ConcurrentHashMap<>();

			final DisposableServer server;

			Backend(String id) {
				for (Behaviour behaviour : Behaviour.values()) {
					this.counts.put(behaviour, new AtomicInteger());
				}
				this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
					ThreadLocalRandom random = ThreadLocalRandom.current();
					double roll = random.nextDouble();
					Behaviour behaviour = (roll < 0.7) ? Behaviour.DELAY
							: (roll < 0.8) ? Behaviour.HANG : (roll < 0.9) ? Behaviour.RESET : Behaviour.CLOSE;
					this.counts.get(behaviour).incrementAndGet();
					return switch (behaviour) {
						case DELAY -> Mono.delay(Duration.ofMillis(random.nextInt(51)))
							.then(response.header("X-Instance", id)
								.sendString(Mono.just(id), StandardCharsets.UTF_8)
								.then());
						case HANG -> Mono.delay(Duration.ofMillis(1200))
							.then(response.header("X-Instance", id)
								.sendString(Mono.just(id), StandardCharsets.UTF_8)
								.then());
						case RESET, CLOSE -> Mono.delay(Duration.ofMillis(random.nextInt(21)))
							.then(Mono.fromRunnable(() -> request.withConnection((connection) -> {
								if (behaviour == Behaviour.RESET) {
									connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
								}
								connection.channel().close();
							})));
					};
				}).bindNow();
			}

		}

	}

}
