package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.e2e.AdmissionLeakEndToEndTests.ChaosBackends;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing leaks through the service queue: keyless requests (and health checks) through a
 * gateway with two permits per instance, a short service queue and a short queue timeout,
 * against backends that answer after a random delay, hang, or reset the connection
 * (retried through the service queue again), while clients give up at random, many of
 * them while waiting in the service queue. Afterwards every bulkhead is full again, the
 * service queue and every instance queue are empty and nothing is in flight; requests
 * that waited out the queue timeout got a {@code queue_timeout} 503.
 */
@GatewayEndToEndTests(
		properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=2",
				"latency-lb.queue.timeout=300ms", "latency-lb.queue.service-max-length=50" })
class ServiceQueueLeakEndToEndTests {

	static final int REQUESTS = 2000;

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
	void cancellationsTimeoutsFullQueuesAndRetriesShouldLeaveEveryPermitAndSlotReturned() {
		Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
		SplittableRandom plan = new SplittableRandom(20261130L);
		List<Mono<Void>> requests = new ArrayList<>(REQUESTS);
		// One connection per request (see AdmissionLeakEndToEndTests).
		HttpClient client = HttpClient.newConnection().baseUrl("http://127.0.0.1:" + this.port);
		for (int i = 0; i < REQUESTS; i++) {
			double kind = plan.nextDouble();
			Duration patience = Duration.ofMillis(10 + plan.nextInt(400));
			String path = (plan.nextInt(20) == 0) ? "/health" : "/work";
			Mono<String> exchange = client.get()
				.uri(path)
				.responseSingle((response, body) -> body.asString()
					.defaultIfEmpty("")
					.map((text) -> response.status().code() + (text.contains("queue_timeout") ? " queue_timeout" : "")
							+ (text.contains("queue_full") ? " queue_full" : "")));
			Mono<String> outcome = (kind < 0.4)
					? exchange.timeout(patience).onErrorResume(TimeoutException.class, (ex) -> Mono.just("cancelled"))
					: exchange.timeout(Duration.ofSeconds(20));
			requests.add(outcome.onErrorResume((ex) -> Mono.just((ex instanceof TimeoutException) ? "stuck" : "reset"))
				.doOnNext((text) -> outcomes.computeIfAbsent(text, (k) -> new LongAdder()).increment())
				.then());
		}
		Flux.fromIterable(requests).flatMap((request) -> request, CONCURRENCY).then().block(Duration.ofSeconds(90));
		Map<String, Long> counts = new TreeMap<>();
		outcomes.forEach((k, v) -> counts.put(k, v.sum()));
		System.out.println("Service-queue leak test: " + counts + "; backends " + backends);

		Scheduler scheduler = this.schedulers.scheduler("svc");
		ServiceQueue service = this.admission.findServiceQueue("svc");
		assertThat(service).isNotNull();
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			assertThat(service.length()).isZero();
			assertThat(this.admission.queues("svc")).hasSize(3);
			assertThat(this.admission.queues("svc").values()).allSatisfy((queue) -> {
				assertThat(queue.queueLength()).isZero();
				assertThat(queue.pool().availablePermits()).isEqualTo(2);
			});
			List<Bulkhead> ours = this.bulkheads.getAllBulkheads()
				.stream()
				.filter((b) -> b.getName().startsWith("svc:"))
				.toList();
			assertThat(ours).hasSize(3)
				.allSatisfy((bulkhead) -> assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls())
					.as(bulkhead.getName())
					.isEqualTo(2));
			assertThat(scheduler.totalInflight()).isZero();
		});
		assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(REQUESTS);
		assertThat(counts).as("patient requests never answered").doesNotContainKey("stuck");
		assertThat(counts).containsKeys("200", "cancelled", "503 queue_timeout");
	}

}
