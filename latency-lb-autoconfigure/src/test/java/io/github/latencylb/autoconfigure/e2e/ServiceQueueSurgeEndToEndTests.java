package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The surge of issue 9, scaled down for CI, on the real gateway: three backends with two
 * workers of 40 ms (150 requests/s in all), {@code max-concurrent-calls=2}, 60 keyless
 * closed-loop clients and a health check every 200 ms with a 1 s timeout. With the
 * service queue, every keyless request waits in one FIFO for the first permit that frees
 * on any instance, so everyone waits about the same: by Little's law about 60 / 150 s =
 * 400 ms. The same surge with per-instance queues only
 * ({@code latency-lb.queue.service-max-length=0}) runs first, for comparison in the
 * output. Both: health checks all pass, nothing waits past the queue timeout, and
 * afterwards every permit and queue slot is back.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class ServiceQueueSurgeEndToEndTests {

	static final int CLIENTS = 60;

	static final Duration WARM_UP = Duration.ofSeconds(4);

	static final Duration RUN = Duration.ofSeconds(6);

	static final WorkerBackends backends = new WorkerBackends(3, 2, Duration.ofMillis(40));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	static final Map<String, Surge> results = new ConcurrentHashMap<>();

	Surge surge(int port, String label) {
		new Surge(port).run(WARM_UP);
		Surge surge = new Surge(port);
		surge.run(RUN);
		results.put(label, surge);
		System.out.println("Service-queue surge, " + label + ": " + surge);
		return surge;
	}

	@Nested
	@Order(1)
	@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
			"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=5s",
			"latency-lb.queue.service-max-length=0" })
	class PerInstanceQueues extends AdmissionEndToEndSupport {

		@Test
		void surgeShouldKeepHealthChecksPassing() {
			Surge surge = surge(this.port, "per-instance queues");
			assertThat(surge.healthFailed.get()).as(surge.toString()).isZero();
			assertThat(surge.healthOk.get()).as(surge.toString()).isGreaterThanOrEqualTo(20);
			assertThat(this.admission.findServiceQueue("svc")).isNull();
			awaitNothingTaken(backends.instanceIds(), 2);
		}

	}

	@Nested
	@Order(2)
	@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
			"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=5s" })
	class TwoLevelQueues extends AdmissionEndToEndSupport {

		@Test
		void surgeShouldServeEveryoneWithAboutTheSameWaitAndKeepHealthChecksPassing() {
			Surge surge = surge(this.port, "service queue");
			assertThat(surge.healthFailed.get()).as(surge.toString()).isZero();
			assertThat(surge.healthOk.get()).as(surge.toString()).isGreaterThanOrEqualTo(20);
			// Nobody waited out the 5 s queue timeout: no 503, no error.
			assertThat(surge.statuses).as(surge.toString()).containsOnlyKeys(200);
			assertThat(surge.errors.get()).as(surge.toString()).isZero();
			assertThat(surge.latencyMs(1.0)).as(surge.toString()).isLessThan(5_000);
			// Everyone waits about the same (Little's law: ~400 ms each): the tail stays
			// close to the median. Per-instance queues let one queue grow while others
			// drain.
			assertThat(surge.latencyMs(0.99)).as(surge.toString()).isLessThanOrEqualTo(3.0 * surge.latencyMs(0.5));
			assertThat(surge.latencyMs(0.5)).as(surge.toString()).isBetween(150.0, 2_000.0);
			// The gateway never let more than two requests reach a backend at once.
			assertThat(backends.backends).allSatisfy((b) -> assertThat(b.maxBusy.get()).isLessThanOrEqualTo(2));
			awaitNothingTaken(backends.instanceIds(), 2);
			Surge perInstance = results.get("per-instance queues");
			if (perInstance != null) {
				System.out.printf("Service-queue surge, p99/p50: service queue %.2f, per-instance queues %.2f%n",
						surge.latencyMs(0.99) / surge.latencyMs(0.5),
						perInstance.latencyMs(0.99) / perInstance.latencyMs(0.5));
			}
		}

	}

	/**
	 * Closed-loop keyless clients and a health checker, on their own event loops, for a
	 * bounded time.
	 */
	static final class Surge {

		final AtomicInteger healthOk = new AtomicInteger();

		final AtomicInteger healthFailed = new AtomicInteger();

		final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

		final AtomicInteger errors = new AtomicInteger();

		private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();

		private final int port;

		private volatile List<Long> sorted = List.of();

		Surge(int port) {
			this.port = port;
		}

		void run(Duration duration) {
			ConnectionProvider pool = ConnectionProvider.builder("surge").maxConnections(CLIENTS + 10).build();
			ConnectionProvider healthPool = ConnectionProvider.builder("surge-health").maxConnections(20).build();
			LoopResources loops = LoopResources.create("surge", 2, true);
			LoopResources healthLoops = LoopResources.create("surge-health", 1, true);
			HttpClient client = HttpClient.create(pool).runOn(loops).baseUrl("http://127.0.0.1:" + this.port);
			HttpClient checker = HttpClient.create(healthPool)
				.runOn(healthLoops)
				.baseUrl("http://127.0.0.1:" + this.port);
			long end = System.nanoTime() + duration.toNanos();
			Mono<Void> regular = Flux.range(0, CLIENTS).flatMap((i) -> loop(client, end), CLIENTS).then();
			Mono<Void> health = HealthCheckPriorityScenario.probeHealth(checker, end, this.healthOk, this.healthFailed);
			try {
				Mono.when(regular, health).block(duration.plusSeconds(30));
			}
			finally {
				pool.disposeLater().block(Duration.ofSeconds(10));
				healthPool.disposeLater().block(Duration.ofSeconds(10));
				loops.disposeLater().block(Duration.ofSeconds(10));
				healthLoops.disposeLater().block(Duration.ofSeconds(10));
			}
			List<Long> all = new ArrayList<>(this.latencies);
			Collections.sort(all);
			this.sorted = all;
		}

		private Mono<Void> loop(HttpClient client, long end) {
			return Mono.defer(() -> {
				long start = System.nanoTime();
				return client.get()
					.uri("/work")
					.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
					.timeout(Duration.ofSeconds(15))
					.doOnNext((status) -> {
						this.latencies.add(System.nanoTime() - start);
						this.statuses.computeIfAbsent(status, (s) -> new AtomicInteger()).incrementAndGet();
					})
					.onErrorResume((ex) -> {
						this.errors.incrementAndGet();
						return Mono.empty();
					})
					.then();
			}).repeat(() -> System.nanoTime() < end).then();
		}

		double latencyMs(double quantile) {
			List<Long> all = this.sorted;
			if (all.isEmpty()) {
				return Double.NaN;
			}
			int index = (int) Math.min(all.size() - 1, Math.ceil(quantile * all.size()) - 1);
			return all.get(Math.max(0, index)) / 1e6;
		}

		@Override
		public String toString() {
			return String.format(
					"%d requests %s errors=%d, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; "
							+ "health ok=%d failed=%d",
					this.sorted.size(), this.statuses, this.errors.get(), latencyMs(0.5), latencyMs(0.9),
					latencyMs(0.99), latencyMs(1.0), this.healthOk.get(), this.healthFailed.get());
		}

	}

}
