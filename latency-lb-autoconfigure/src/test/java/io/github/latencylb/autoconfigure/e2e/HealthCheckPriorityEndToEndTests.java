package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HAProxy write-up's scenario end to end: three backends with two workers each and
 * ~40 ms of service time behind a gateway with {@code max-concurrent-calls=2} per
 * instance, a surge of regular clients far above capacity, and a health checker every 200
 * ms with a 1 s timeout. With priority classification, every health check passes while
 * regular overflow gets 503 after the queue timeout; without it, health checks wait
 * behind regular traffic and fail, which proves the mechanism.
 */
class HealthCheckPriorityEndToEndTests {

	static final WorkerBackends backends = new WorkerBackends(3, 2, Duration.ofMillis(40));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	void awaitDrained(AdmissionRegistry admission) {
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(admission.queues("svc").values()).isNotEmpty().allSatisfy((queue) -> {
				assertThat(queue.queueLength()).isZero();
				assertThat(queue.pool().availablePermits()).isEqualTo(queue.pool().maxPermits());
			}));
	}

	// Per-instance queues only: with the service queue, 200 clients against 150
	// requests/s all wait about 1.3 s, within the 2.5 s timeout, so there is no regular
	// overflow to reject (ServiceQueueSurgeEndToEndTests covers the service queue).
	@Nested
	@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
			"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=2500ms",
			"latency-lb.retry.max-attempts=1", "latency-lb.queue.service-max-length=0" })
	class WithPriority {

		@LocalServerPort
		int port;

		@Autowired
		AdmissionRegistry admission;

		@Test
		void surgeShouldLeaveHealthChecksPassingAndRejectRegularOverflowWith503() {
			HealthCheckPriorityScenario scenario = new HealthCheckPriorityScenario(this.port);
			scenario.run(200, Duration.ofSeconds(6));
			System.out.println("Surge with priority classification: " + scenario);
			assertThat(scenario.healthOk.get()).as(scenario.toString()).isGreaterThanOrEqualTo(20);
			assertThat(scenario.healthFailed.get()).as(scenario.toString()).isZero();
			assertThat(scenario.regular(503)).as(scenario.toString()).isPositive();
			assertThat(scenario.regular(200)).as(scenario.toString()).isPositive();
			// The gateway never let more than two requests reach a backend at once.
			assertThat(backends.backends).allSatisfy((b) -> assertThat(b.maxBusy.get()).isLessThanOrEqualTo(2));
			awaitDrained(this.admission);
		}

	}

	@Nested
	@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
			"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=2500ms",
			"latency-lb.retry.max-attempts=1", "latency-lb.priority.enabled=false" })
	class WithoutPriority {

		@LocalServerPort
		int port;

		@Autowired
		AdmissionRegistry admission;

		@Test
		void surgeShouldMakeHealthChecksFailWhenTheyWaitInLine() {
			HealthCheckPriorityScenario scenario = new HealthCheckPriorityScenario(this.port);
			scenario.run(200, Duration.ofSeconds(6));
			System.out.println("Surge without priority classification: " + scenario);
			assertThat(scenario.healthFailed.get()).as(scenario.toString()).isGreaterThanOrEqualTo(10);
			awaitDrained(this.admission);
		}

	}

}
