package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.autoconfigure.loadbalancer.TestGateway;
import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestContextPreparer}: what a request's context gets before its first attempt.
 */
class RequestContextPreparerTests {

	private final AtomicInteger released = new AtomicInteger();

	private final LatencyLbRequestContext.AttemptAdmission admission = (request, attempt) -> {
		attempt.holdPermit(this.released::incrementAndGet);
		return Mono.just(attempt);
	};

	private final RequestContextPreparer preparer = new RequestContextPreparer(
			new FlowKeyExtractor(FlowKeyConfig.ofDefaults()),
			new PriorityClassifier(new AdmissionProperties.Priority()), this.admission);

	@Test
	void prepareWithoutAContextShouldCreateAnUnscopedOneWithFlowKeyClassAndAdmission() {
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/healthz").header("Cookie", "SESSION=abc"));
		LatencyLbRequestContext context = this.preparer.prepare(exchange);
		assertThat(LatencyLbRequestContext.of(exchange)).isSameAs(context);
		assertThat(context.isScoped()).isFalse();
		assertThat(context.isKeyed()).isTrue();
		assertThat(context.getPriority().isHealthCheck()).isTrue();
		assertThat(context.getPriority().getPriorityClass()).isEqualTo(-2047);
		assertThat(context.getAdmission()).isSameAs(this.admission);
		assertThat(context.isWebSocket()).isFalse();
	}

	@Test
	void prepareShouldKeepAScopedContextAndTheClassARouteSet() {
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/healthz"));
		LatencyLbRequestContext scoped = new LatencyLbRequestContext(true);
		scoped.getPriority().override(5, 2);
		exchange.getAttributes().put(LatencyLbRequestContext.ATTRIBUTE, scoped);
		LatencyLbRequestContext context = this.preparer.prepare(exchange);
		assertThat(context).isSameAs(scoped);
		assertThat(context.isKeyed()).isFalse();
		assertThat(context.getPriority().getPriorityClass()).isEqualTo(5);
		assertThat(context.getPriority().getOffset()).isEqualTo(2);
		assertThat(context.getPriority().isHealthCheck()).isTrue();
	}

	@Test
	void prepareWhenAWebSocketUpgradeIsAnsweredShouldGiveTheRequestPermitBack() {
		Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
				new SplittableRandom(1));
		LatencyAwareLoadBalancer loadBalancer = TestGateway.loadBalancer(scheduler, TestGateway.instances(8081));
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/ws").header("Upgrade", "websocket"));
		LatencyLbRequestContext context = this.preparer.prepare(exchange);
		assertThat(context.isWebSocket()).isTrue();
		TestGateway.choosing(loadBalancer, (e) -> {
			assertThat(this.released).hasValue(0);
			return e.getResponse().setComplete();
		}).filter(exchange).block(Duration.ofSeconds(5));
		// Committed: the upgrade's permit is back, the attempt itself is still open.
		assertThat(this.released).hasValue(1);
		assertThat(context.getAttempt()).isNotNull();
		assertThat(context.getAttempt().isEnded()).isFalse();
		context.endAttempt(LatencyLbResponse.End.COMPLETE, null);
		assertThat(this.released).hasValue(1);
		assertThat(scheduler.totalInflight()).isZero();
	}

	private static MockServerWebExchange lb(MockServerHttpRequest.BaseBuilder<?> request) {
		return TestGateway.routedTo("lb://svc", request.build());
	}

}
