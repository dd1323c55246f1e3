package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.core.admission.ServiceQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances leave discovery while keyless requests wait in the service queue: four
 * instances of one permit each, 150 ms per request, far more clients than permits and a
 * queue timeout of 1 s; once the service queue is long, two instances are removed from
 * the instance list (they keep serving what they already took). Every waiter then gets a
 * permit on a remaining instance or a clear 503 ({@code queue_timeout}, or
 * {@code queue_full}), none waits past the queue timeout, requests chosen after the
 * removal never reach a removed instance, and afterwards only the remaining instances
 * have queues and bulkheads, every permit is free, every queue empty and nothing is in
 * flight.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
		"latency-lb.bulkhead.max-concurrent-calls=1", "latency-lb.queue.timeout=1s" })
class InstanceRemovalLeakEndToEndTests extends AdmissionEndToEndSupport {

	static final int CLIENTS = 24;

	static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(1);

	static final TestBackends backends = new TestBackends(4, Duration.ofMillis(150));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@Autowired
	SimpleReactiveDiscoveryProperties discovery;

	@Test
	void waitersShouldGetARemainingInstanceOrA503WhenInstancesLeaveAndLeaveNothingTaken() {
		Outcomes outcomes = new Outcomes();
		AtomicLong longestNanos = new AtomicLong();
		// When the instances were removed, 0 before.
		AtomicLong removedAt = new AtomicLong();
		Set<String> servedAfterRemoval = ConcurrentHashMap.newKeySet();
		HttpClient client = client();
		List<TestBackends.Backend> remaining = backends.backends.subList(0, 2);
		AtomicLong end = new AtomicLong(System.nanoTime() + Duration.ofSeconds(30).toNanos());
		Mono<Void> load = Flux.range(0, CLIENTS)
			.flatMap((i) -> Mono.defer(() -> send(client, outcomes, longestNanos, removedAt, servedAfterRemoval))
				.repeat(() -> System.nanoTime() < end.get())
				.then(), CLIENTS)
			.then()
			.cache();
		load.subscribe();
		ServiceQueue service = await().atMost(Duration.ofSeconds(20))
			.until(() -> this.admission.findServiceQueue("svc"),
					(queue) -> queue != null && queue.length() >= CLIENTS / 3);
		removedAt.set(System.nanoTime());
		GatewayEndToEndSupport.setInstances(this.discovery, remaining.stream().map((b) -> b.instance("svc")).toList());
		int waitingAtRemoval = service.length();
		// Keep the load on past one queue timeout, so that every waiter of the removal
		// is served or turned away, then stop.
		end.set(System.nanoTime() + QUEUE_TIMEOUT.toNanos() + Duration.ofSeconds(1).toNanos());
		load.block(Duration.ofSeconds(60));
		System.out.println("Instance removal: " + outcomes + ", " + waitingAtRemoval
				+ " waiting in the service queue at the removal, longest request "
				+ Duration.ofNanos(longestNanos.get()).toMillis() + " ms, served after it by " + servedAfterRemoval);

		assertThat(waitingAtRemoval).as("requests waiting in the service queue at the removal").isPositive();
		assertThat(outcomes.counts().keySet()).as("every request got a permit or a clear 503")
			.isSubsetOf("200", "503 queue_timeout", "503 queue_full");
		assertThat(outcomes.count("200")).isPositive();
		// Two permits of 150 ms cannot serve 24 clients within 1 s each: some wait it
		// out.
		assertThat(outcomes.count("503 queue_timeout")).isPositive();
		// Generous margin over the queue timeout for two attempts' service time on a busy
		// machine; a request that hung would take the client's 15 s.
		assertThat(Duration.ofNanos(longestNanos.get())).as("no request waits past the queue timeout")
			.isLessThan(QUEUE_TIMEOUT.plusSeconds(4));
		Set<String> remainingIds = Set.of(remaining.get(0).id, remaining.get(1).id);
		assertThat(servedAfterRemoval).as("instances that served requests chosen after the removal")
			.isSubsetOf(remainingIds);
		awaitNothingTaken(remaining.stream().map(TestBackends.Backend::instanceId).toList(), 1);
	}

	private static Mono<Void> send(HttpClient client, Outcomes outcomes, AtomicLong longestNanos, AtomicLong removedAt,
			Set<String> servedAfterRemoval) {
		long start = System.nanoTime();
		// A grace period: a choice made just before the removal is seen may still start.
		long removed = removedAt.get();
		boolean afterRemoval = removed != 0 && start - removed > Duration.ofMillis(200).toNanos();
		return client.get()
			.uri("/work")
			.responseSingle((response, body) -> body.asString().defaultIfEmpty("").map((text) -> {
				String instance = response.responseHeaders().get("X-Instance");
				if (afterRemoval && instance != null) {
					servedAfterRemoval.add(instance);
				}
				return response.status().code() + (text.contains("queue_timeout") ? " queue_timeout" : "")
						+ (text.contains("queue_full") ? " queue_full" : "");
			}))
			.timeout(Duration.ofSeconds(15))
			.onErrorResume((ex) -> Mono.just((ex instanceof TimeoutException) ? "stuck" : "error"))
			.doOnNext((outcome) -> {
				outcomes.add(outcome);
				longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
			})
			.then();
	}

}
