package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

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
class ServiceQueueLeakEndToEndTests extends AdmissionEndToEndSupport {

	static final int REQUESTS = 2000;

	static final int CONCURRENCY = 64;

	static final ChaosBackends backends = new ChaosBackends(3);

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@Test
	void cancellationsTimeoutsFullQueuesAndRetriesShouldLeaveEveryPermitAndSlotReturned() {
		Outcomes outcomes = new Outcomes();
		SplittableRandom plan = new SplittableRandom(20261130L);
		List<Mono<Void>> requests = new ArrayList<>(REQUESTS);
		HttpClient client = client();
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
				.doOnNext(outcomes::add)
				.then());
		}
		Flux.fromIterable(requests).flatMap((request) -> request, CONCURRENCY).then().block(Duration.ofSeconds(90));
		System.out.println("Service-queue leak test: " + outcomes + "; backends " + backends);

		assertThat(this.admission.findServiceQueue("svc")).isNotNull();
		awaitNothingTaken(backends.instanceIds(), 2);
		assertThat(outcomes.total()).isEqualTo(REQUESTS);
		assertThat(outcomes.counts()).as("patient requests never answered").doesNotContainKey("stuck");
		assertThat(outcomes.counts()).containsKeys("200", "cancelled", "503 queue_timeout");
	}

}
