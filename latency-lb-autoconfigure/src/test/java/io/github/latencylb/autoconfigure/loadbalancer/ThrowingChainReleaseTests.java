package io.github.latencylb.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.admission.AdmissionGlobalFilter;
import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.gateway.InflightAccountingGlobalFilter;
import io.github.latencylb.autoconfigure.gateway.ResponseEndGlobalFilter;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A downstream filter that throws while assembling (instead of returning an error), or a
 * listener that throws, must not keep the bulkhead permit or the in-flight lease taken
 * for the request; with the response-end filter, both last until the response body ends.
 */
class ThrowingChainReleaseTests {

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final GatewayFilterChain throwing = (exchange) -> {
		throw new IllegalStateException("broken filter");
	};

	@Test
	void accountingWhenChainThrowsShouldReleaseTheLease() {
		MockServerWebExchange exchange = chosen();
		assertThatIllegalStateException()
			.isThrownBy(() -> new InflightAccountingGlobalFilter().filter(exchange, this.throwing));
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void admissionWhenChainThrowsShouldReturnThePermit() {
		AdmissionRegistry admission = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
				(name) -> {
				}, 10);
		AdmissionGlobalFilter filter = new AdmissionGlobalFilter(admission, Duration.ofSeconds(1),
				Duration.ofSeconds(1), NanoClock.SYSTEM, AdmissionGlobalFilter.AdmissionListener.NONE);
		MockServerWebExchange exchange = chosen();
		// The filter defers its work: subscribing runs it, and the error surfaces there.
		assertThatIllegalStateException().isThrownBy(() -> filter.filter(exchange, this.throwing).block());
		assertThat(admission.queues("svc").values()).singleElement()
			.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(1));
	}

	@Test
	void admissionWhenTheListenerThrowsOnTheFastPathShouldReturnThePermit() {
		AdmissionRegistry admission = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
				(name) -> {
				}, 10);
		AdmissionGlobalFilter.AdmissionListener throwing = new AdmissionGlobalFilter.AdmissionListener() {

			@Override
			public void admitted(String serviceId, int priorityClass, long waitedNanos) {
				throw new IllegalStateException("broken metrics");
			}

		};
		AdmissionGlobalFilter filter = new AdmissionGlobalFilter(admission, Duration.ofSeconds(1),
				Duration.ofSeconds(1), NanoClock.SYSTEM, throwing);
		for (int i = 0; i < 3; i++) {
			// The request goes on (the listener is only told), and its permit comes back.
			MockServerWebExchange exchange = chosen();
			filter.filter(exchange, (e) -> Mono.empty()).block(Duration.ofSeconds(5));
			assertThat(admission.queues("svc").values()).singleElement()
				.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(1));
		}
	}

	@Test
	void permitAndLeaseShouldLastUntilTheResponseEndsWhenTheResponseEndFilterRuns() {
		AdmissionRegistry admission = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
				(name) -> {
				}, 10);
		AdmissionGlobalFilter admit = new AdmissionGlobalFilter(admission, Duration.ofSeconds(1), Duration.ofSeconds(1),
				NanoClock.SYSTEM, AdmissionGlobalFilter.AdmissionListener.NONE);
		InflightAccountingGlobalFilter account = new InflightAccountingGlobalFilter();
		MockServerWebExchange exchange = chosen();
		Sinks.Empty<Void> body = Sinks.empty();
		// The chain as the gateway runs it: ResponseEnd -> (body write) -> admission ->
		// accounting -> routing, which completes at the response headers.
		GatewayFilterChain routing = (e) -> Mono.empty();
		GatewayFilterChain accounting = (e) -> account.filter(e, routing);
		GatewayFilterChain admitting = (e) -> admit.filter(e, accounting);
		GatewayFilterChain writing = (e) -> admitting.filter(e).then(body.asMono());
		Mono<Void> response = new ResponseEndGlobalFilter().filter(exchange, writing);
		reactor.core.Disposable subscription = response.subscribe();
		// Headers arrived, the body is still being written: both are held.
		assertThat(admission.queues("svc").values()).singleElement()
			.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isZero());
		assertThat(this.scheduler.totalInflight()).isOne();
		// The body breaks off: a failure, and both are given back exactly once.
		body.tryEmitError(new IllegalStateException("reset mid-body"));
		assertThat(subscription.isDisposed()).isTrue();
		assertThat(admission.queues("svc").values()).singleElement()
			.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(1));
		assertThat(this.scheduler.totalInflight()).isZero();
		assertThat(this.scheduler.snapshot().instances()).singleElement()
			.satisfies((instance) -> assertThat(instance.consecutiveFailures()).isOne());
	}

	private MockServerWebExchange chosen() {
		this.scheduler.updateInstances(List.of(new WeightedInstance("a", 1)));
		Decision decision = this.scheduler.chooseKeyless(Set.of());
		LatencyLbResponse response = new LatencyLbResponse(
				new DefaultServiceInstance("a", "svc", "127.0.0.1", 1, false), this.scheduler, decision);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR, response);
		return exchange;
	}

}
