package io.github.latencylb.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.admission.AdmissionGlobalFilter;
import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.gateway.InflightAccountingGlobalFilter;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A downstream filter that throws while assembling (instead of returning an error) must
 * not keep the bulkhead permit or the in-flight lease taken for the request.
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
