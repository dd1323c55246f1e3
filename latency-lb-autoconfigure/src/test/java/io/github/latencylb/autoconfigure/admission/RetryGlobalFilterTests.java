package io.github.latencylb.autoconfigure.admission;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.TestGateway;
import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.admission.AdmissionConfig;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.latencylb.core.admission.Ticket;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RetryGlobalFilter} built by hand, in front of a chain that chooses through a
 * real {@link LatencyAwareLoadBalancer} and admits through real queues.
 */
class RetryGlobalFilterTests {

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final LatencyAwareLoadBalancer loadBalancer = TestGateway.loadBalancer(this.scheduler,
			TestGateway.instances(8081, 8082));

	private final AdmissionRegistry admission = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
			(name) -> {
			}, 0);

	private final List<String> retries = new ArrayList<>();

	private final RetryGlobalFilter filter = new RetryGlobalFilter(
			new RetryPolicy(RetryConfig.ofDefaults(), NanoClock.SYSTEM),
			new FlowKeyExtractor(FlowKeyConfig.ofDefaults()),
			new PriorityClassifier(new AdmissionProperties.Priority()), new InstanceAdmission(this.admission,
					AdmissionConfig.ofDefaults(), NanoClock.SYSTEM, AdmissionListener.NONE),
			(serviceId, outcome) -> this.retries.add(outcome));

	@Test
	void filterWhenTheRouteIsNotLoadBalancedShouldOnlyPassTheExchangeOn() {
		TestGateway.PassedOn run = TestGateway.passOn(this.filter);
		assertThat(run.passed()).containsExactly(run.exchange());
		assertThat(run.exchange().getAttributes()).hasSize(run.attributesBefore())
			.doesNotContainKey(LatencyLbRequestContext.ATTRIBUTE);
	}

	@Test
	void filterShouldGiveTheContextTheFlowKeyAndClassification() {
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/healthz").header("Cookie", "SESSION=abc"));
		this.filter.filter(exchange, TestGateway.choosing(this.loadBalancer, (e) -> Mono.empty()))
			.block(Duration.ofSeconds(5));
		LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
		assertThat(context).isNotNull();
		assertThat(context.isKeyed()).isTrue();
		assertThat(context.getPriority().isHealthCheck()).isTrue();
		assertThat(context.getPriority().getPriorityClass()).isEqualTo(-2047);
		assertThat(context.getAttempt()).isNotNull();
		// Not scoped to a response body: the attempt ended with the chain.
		assertThat(context.getAttempt().isEnded()).isTrue();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void filterWhenTheFirstInstanceRefusesShouldRetryOnTheOtherAndReleaseBoth() {
		MockServerWebExchange exchange = lb(MockServerHttpRequest.post("/").body("payload"));
		List<String> tried = new ArrayList<>();
		List<String> bodies = new ArrayList<>();
		GatewayFilterChain chain = TestGateway.choosing(this.loadBalancer, (e) -> {
			tried.add(LatencyLbRequestContext.of(e).getAttempt().getDecision().instanceId());
			Mono<String> body = e.getRequest()
				.getBody()
				.map((buffer) -> buffer.toString(StandardCharsets.UTF_8))
				.reduce("", String::concat)
				.doOnNext(bodies::add);
			return (tried.size() == 1) ? body.then(Mono.error(new ConnectException("refused")))
					: body.then(Mono.fromRunnable(() -> e.getResponse().setStatusCode(HttpStatus.OK)));
		});
		this.filter.filter(exchange, chain).block(Duration.ofSeconds(5));
		assertThat(tried).hasSize(2).doesNotHaveDuplicates();
		assertThat(bodies).containsExactly("payload", "payload");
		assertThat(LatencyLbRequestContext.of(exchange).getExcluded()).containsExactly(tried.get(0));
		assertThat(this.retries).containsExactly("retried");
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.scheduler.totalInflight()).isZero();
		this.admission.queues("svc")
			.values()
			.forEach((queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(1));
	}

	@Test
	void filterWhenEveryInstanceIsFullShouldAnswer503WithJson() {
		// Both instances busy, no queue: each attempt is rejected at once.
		List<Ticket> held = new ArrayList<>();
		for (String id : List.of("svc-8081", "svc-8082")) {
			PriorityAdmissionQueue queue = this.admission.queue("svc", id);
			held.add(queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE));
		}
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/"));
		this.filter.filter(exchange, TestGateway.choosing(this.loadBalancer, (e) -> Mono.empty()))
			.block(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
			.contains("\"error\":\"queue_full\"");
		assertThat(this.retries).containsExactly("retried", "exhausted");
		assertThat(this.scheduler.totalInflight()).isZero();
		held.forEach(Ticket::release);
	}

	@Test
	void filterWhenCancelledWhileQueuedShouldGiveTheSlotBack() {
		AdmissionRegistry queued = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1), (name) -> {
		}, 10);
		RetryGlobalFilter filter = new RetryGlobalFilter(new RetryPolicy(RetryConfig.ofDefaults(), NanoClock.SYSTEM),
				new FlowKeyExtractor(FlowKeyConfig.ofDefaults()), null,
				new InstanceAdmission(queued, AdmissionConfig.ofDefaults(), NanoClock.SYSTEM, AdmissionListener.NONE),
				RetryGlobalFilter.RetryListener.NONE);
		LatencyAwareLoadBalancer single = TestGateway.loadBalancer(this.scheduler, TestGateway.instances(8081));
		PriorityAdmissionQueue queue = queued.queue("svc", "svc-8081");
		Ticket busy = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		Disposable request = filter
			.filter(lb(MockServerHttpRequest.get("/")), TestGateway.choosing(single, (e) -> Mono.empty()))
			.subscribe();
		assertThat(queue.queueLength()).isOne();
		request.dispose();
		assertThat(queue.queueLength()).isZero();
		busy.release();
		assertThat(queue.pool().availablePermits()).isOne();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void filterWhenTheServiceHasNoInstanceShouldAnswer503NoInstance() {
		LatencyAwareLoadBalancer none = TestGateway.loadBalancer(this.scheduler, List.of());
		MockServerWebExchange exchange = lb(MockServerHttpRequest.get("/"));
		this.filter.filter(exchange, TestGateway.choosing(none, (e) -> Mono.empty())).block(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
			.contains("\"error\":\"no_instance\"", "Service 'svc'");
	}

	@Test
	void filterWhenTheStatusIsRetriableShouldRetryIdempotentRequestsOnly() {
		GatewayFilterChain unavailable = TestGateway.choosing(this.loadBalancer, (e) -> {
			e.getResponse().setStatusCode(HttpStatus.BAD_GATEWAY);
			return Mono.empty();
		});
		this.filter.filter(lb(MockServerHttpRequest.get("/")), unavailable).block(Duration.ofSeconds(5));
		assertThat(this.retries).containsExactly("retried", "exhausted");
		this.retries.clear();
		this.filter.filter(lb(MockServerHttpRequest.post("/")), unavailable).block(Duration.ofSeconds(5));
		assertThat(this.retries).isEmpty();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	private static MockServerWebExchange lb(MockServerHttpRequest.BaseBuilder<?> request) {
		return TestGateway.routedTo("lb://svc", request.build());
	}

	private static MockServerWebExchange lb(MockServerHttpRequest request) {
		return TestGateway.routedTo("lb://svc", request);
	}

}
