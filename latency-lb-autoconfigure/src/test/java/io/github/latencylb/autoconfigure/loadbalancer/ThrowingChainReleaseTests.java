package io.github.latencylb.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.admission.AdmissionListener;
import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.InstanceAdmission;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter;
import io.github.latencylb.autoconfigure.admission.RetryPolicy;
import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.gateway.ResponseEndGlobalFilter;
import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.admission.AdmissionConfig;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
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

	private final LatencyAwareLoadBalancer loadBalancer = TestGateway.loadBalancer(this.scheduler,
			TestGateway.instances(8081));

	private final AdmissionRegistry admission = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
			(name) -> {
			}, 10);

	@Test
	void whenTheRoutingFilterThrowsShouldReturnThePermitAndTheLease() {
		RetryGlobalFilter filter = filter(AdmissionListener.NONE, RetryConfig.ofDefaults());
		MockServerWebExchange exchange = exchange();
		GatewayFilterChain chain = TestGateway.choosing(this.loadBalancer, (e) -> {
			throw new IllegalStateException("broken filter");
		});
		assertThatIllegalStateException().isThrownBy(() -> filter.filter(exchange, chain).block(Duration.ofSeconds(5)));
		assertPermitFree();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void whenTheChainThrowsWhileAssemblingShouldLeaveNothingTaken() {
		RetryGlobalFilter filter = filter(AdmissionListener.NONE, RetryConfig.ofDefaults());
		GatewayFilterChain throwing = (e) -> {
			throw new IllegalStateException("broken filter");
		};
		// The filter defers its attempts: subscribing runs them, and the error surfaces
		// there.
		assertThatIllegalStateException()
			.isThrownBy(() -> filter.filter(exchange(), throwing).block(Duration.ofSeconds(5)));
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void whenTheListenerThrowsOnTheFastPathShouldReturnThePermit() {
		AdmissionListener throwing = new AdmissionListener() {

			@Override
			public void admitted(String serviceId, int priorityClass, long waitedNanos) {
				throw new IllegalStateException("broken metrics");
			}

		};
		RetryGlobalFilter filter = filter(throwing, RetryConfig.ofDefaults());
		for (int i = 0; i < 3; i++) {
			// The request goes on (the listener is only told), and its permit comes back.
			filter.filter(exchange(), TestGateway.choosing(this.loadBalancer, (e) -> Mono.empty()))
				.block(Duration.ofSeconds(5));
			assertPermitFree();
			assertThat(this.scheduler.totalInflight()).isZero();
		}
	}

	@Test
	void permitAndLeaseShouldLastUntilTheResponseEndsWhenTheResponseEndFilterRuns() {
		RetryGlobalFilter filter = filter(AdmissionListener.NONE, RetryConfig.ofDefaults());
		MockServerWebExchange exchange = exchange();
		Sinks.Empty<Void> body = Sinks.empty();
		// The chain as the gateway runs it: ResponseEnd -> (body write) -> retry ->
		// load balancer (admission, accounting) -> routing, which completes at the
		// response headers.
		GatewayFilterChain choosing = TestGateway.choosing(this.loadBalancer, (e) -> Mono.empty());
		GatewayFilterChain attempts = (e) -> filter.filter(e, choosing);
		GatewayFilterChain writing = (e) -> attempts.filter(e).then(body.asMono());
		Mono<Void> response = new ResponseEndGlobalFilter().filter(exchange, writing);
		reactor.core.Disposable subscription = response.subscribe();
		// Headers arrived, the body is still being written: both are held.
		assertThat(this.admission.queues("svc").values()).singleElement()
			.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isZero());
		assertThat(this.scheduler.totalInflight()).isOne();
		// The body breaks off: a failure, and both are given back exactly once.
		body.tryEmitError(new IllegalStateException("reset mid-body"));
		assertThat(subscription.isDisposed()).isTrue();
		assertPermitFree();
		assertThat(this.scheduler.totalInflight()).isZero();
		assertThat(this.scheduler.snapshot().instances()).singleElement()
			.satisfies((instance) -> assertThat(instance.consecutiveFailures()).isOne());
	}

	private RetryGlobalFilter filter(AdmissionListener listener, RetryConfig retry) {
		InstanceAdmission instanceAdmission = new InstanceAdmission(this.admission, AdmissionConfig.ofDefaults(),
				NanoClock.SYSTEM, listener);
		return new RetryGlobalFilter(new RetryPolicy(retry, NanoClock.SYSTEM),
				new FlowKeyExtractor(FlowKeyConfig.ofDefaults()), null, instanceAdmission,
				RetryGlobalFilter.RetryListener.NONE);
	}

	private void assertPermitFree() {
		assertThat(this.admission.queues("svc").values()).singleElement()
			.satisfies((queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(1));
	}

	private static MockServerWebExchange exchange() {
		return TestGateway.routedTo("lb://svc", MockServerHttpRequest.get("/").build());
	}

}
