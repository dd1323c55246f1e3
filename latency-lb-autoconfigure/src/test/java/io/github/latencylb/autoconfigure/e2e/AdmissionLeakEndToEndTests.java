package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;

import io.github.latencylb.autoconfigure.e2e.ChaosBackends.Behaviour;
import io.github.latencylb.core.DecisionReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

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
class AdmissionLeakEndToEndTests extends AdmissionEndToEndSupport {

	static final int REQUESTS = 3000;

	static final int CONCURRENCY = 64;

	static final ChaosBackends backends = new ChaosBackends(3);

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

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
		HttpClient client = client();
		long start = System.nanoTime();
		Flux.fromIterable(requests)
			.flatMap((request) -> send(client, request, outcomes), CONCURRENCY)
			.then()
			.block(Duration.ofSeconds(60));
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		try {
			awaitNothingTaken(backends.instanceIds(), 3);
		}
		finally {
			System.out.println("Admission leak test: " + REQUESTS + " requests, concurrency " + CONCURRENCY + ", in "
					+ took.toMillis() + " ms: " + outcomes + "; backends " + backends + "; overflow decisions "
					+ this.schedulers.scheduler("svc").counters().decisions(DecisionReason.OVERFLOW));
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

	record Request(String flow, Cancel cancel, Duration patience) {
	}

}
