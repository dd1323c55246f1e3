package io.github.latencylb.autoconfigure.gateway;

import java.time.Duration;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.TestGateway;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ResponseEndGlobalFilter} built by hand.
 */
class ResponseEndGlobalFilterTests {

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final LatencyAwareLoadBalancer loadBalancer = TestGateway.loadBalancer(this.scheduler,
			TestGateway.instances(8081));

	private final ResponseEndGlobalFilter filter = new ResponseEndGlobalFilter();

	@Test
	void orderShouldRunBeforeTheResponseWriterAndTieWithNoGatewayFilter() {
		assertThat(this.filter.getOrder()).isLessThan(NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER)
			// GlobalLocalResponseCacheGatewayFilter (-2), ResponseCacheGatewayFilter (-3)
			.isNotIn(-2, -3);
	}

	@Test
	void filterWhenTheRouteIsNotLoadBalancedShouldOnlyPassTheExchangeOn() {
		TestGateway.PassedOn run = TestGateway.passOn(this.filter);
		assertThat(run.passed()).containsExactly(run.exchange());
		assertThat(run.exchange().getAttributes()).hasSize(run.attributesBefore());
	}

	@Test
	void filterWhenNoRouteMatchedShouldOnlyPassTheExchangeOn() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		this.filter.filter(exchange, (e) -> Mono.empty()).block(Duration.ofSeconds(5));
		assertThat(LatencyLbRequestContext.of(exchange)).isNull();
	}

	@Test
	void filterShouldEndTheAttemptWhenTheBodyIsWrittenAndRecordItsStatus() {
		MockServerWebExchange exchange = TestGateway.routedTo("lb://svc", MockServerHttpRequest.get("/").build());
		Sinks.Empty<Void> body = Sinks.empty();
		GatewayFilterChain chain = (e) -> TestGateway.choosing(this.loadBalancer, (routed) -> {
			routed.getResponse().setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR);
			return Mono.empty();
		}).filter(e).then(body.asMono());
		this.filter.filter(exchange, chain).subscribe();
		LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
		assertThat(context).isNotNull();
		assertThat(context.isScoped()).isTrue();
		assertThat(this.scheduler.totalInflight()).isOne();
		body.tryEmitEmpty();
		assertThat(context.getAttempt().isEnded()).isTrue();
		assertThat(this.scheduler.totalInflight()).isZero();
		// A 500 counts as a failure.
		assertThat(this.scheduler.snapshot().instances()).singleElement()
			.satisfies((instance) -> assertThat(instance.consecutiveFailures()).isOne());
	}

	@Test
	void filterWhenTheClientCancelsShouldEndTheAttempt() {
		MockServerWebExchange exchange = TestGateway.routedTo("lb://svc", MockServerHttpRequest.get("/").build());
		Sinks.Empty<Void> body = Sinks.empty();
		GatewayFilterChain chain = (
				e) -> TestGateway.choosing(this.loadBalancer, (routed) -> Mono.empty()).filter(e).then(body.asMono());
		Disposable request = this.filter.filter(exchange, chain).subscribe();
		assertThat(this.scheduler.totalInflight()).isOne();
		request.dispose();
		assertThat(this.scheduler.totalInflight()).isZero();
		assertThat(this.scheduler.snapshot().instances()).singleElement()
			.satisfies((instance) -> assertThat(instance.consecutiveFailures()).isZero());
	}

}
