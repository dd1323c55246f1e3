package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerSnapshot;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request whose first attempt fails (its instance is dead: connection refused) is
 * retried on the live instance, and that second attempt is accounted there for its whole
 * life: it holds the live instance's permit and in-flight lease until its response is
 * over, and ends as the success it is. (The failed attempt's end once ran after the retry
 * had already started the next attempt, on the same thread, and ended that one: a failure
 * recorded on the healthy instance, its success lost, and its permit and lease given back
 * while its request was still in progress.)
 */
@GatewayEndToEndTests(
		properties = { "spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=1",
				"latency-lb.ejection.consecutive-failures=100", "latency-lb.retry.max-attempts=2" })
class RetriedAttemptEndToEndTests {

	static final TestBackends backends = new TestBackends(2, Duration.ofMillis(500));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry schedulers;

	@Autowired
	AdmissionRegistry admission;

	@Test
	void aRetriedAttemptShouldHoldItsPermitAndLeaseAndEndAsASuccessOnTheInstanceItWasRetriedTo() throws Exception {
		String dead = backends.get("backend-1").instanceId();
		TestBackends.Backend backend = backends.get("backend-2");
		String live = backend.instanceId();
		backends.get("backend-1").kill();
		WebClient web = WebClient.create("http://127.0.0.1:" + this.port);
		int retried = 0;
		int retriedSeenInFlight = 0;
		// Fresh flows, one request at a time: about half are homed on the dead instance
		// until it is known to fail.
		for (int i = 0; i < 30 && retriedSeenInFlight < 2; i++) {
			int before = backend.requests.get();
			int deadFailures = (i > 0) ? instance(dead).consecutiveFailures() : 0;
			CompletableFuture<ResponseEntity<String>> response = web.get()
				.uri("/work")
				.cookie("SESSION", "flow-" + i)
				.retrieve()
				.toEntity(String.class)
				.toFuture();
			await().atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(5))
				.until(() -> backend.requests.get() > before);
			// On the live backend now (for 500 ms): its attempt holds the permit and the
			// lease there. Read only while the client still waits for the response, so
			// that the readings are taken while the gateway is in the attempt.
			int permits = queue(live).pool().availablePermits();
			int inflight = instance(live).inflight();
			boolean inProgress = !response.isDone();
			ResponseEntity<String> entity = response.get(10, TimeUnit.SECONDS);
			assertThat(entity.getStatusCode().value()).isEqualTo(200);
			assertThat(entity.getHeaders().getFirst("X-Instance")).isEqualTo("backend-2");
			boolean wasRetried = instance(dead).consecutiveFailures() > deadFailures;
			System.out.println("Request " + i + ": retried " + wasRetried + ", in progress " + inProgress
					+ ", live instance's free permits " + permits + ", in flight " + inflight);
			if (inProgress) {
				assertThat(permits)
					.as("live instance's free permits during request " + i + " (retried: " + wasRetried + ")")
					.isZero();
				assertThat(inflight).as("in flight on the live instance during request " + i).isEqualTo(1);
				retriedSeenInFlight += wasRetried ? 1 : 0;
			}
			retried += wasRetried ? 1 : 0;
			Scheduler scheduler = this.schedulers.scheduler("svc");
			await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.totalInflight() == 0);
			// Every attempt on the live instance succeeded: none counts as its failure.
			assertThat(instance(live).consecutiveFailures())
				.as("failures of the live instance after request " + i + " (retried: " + wasRetried + ")")
				.isZero();
		}
		System.out.println("Requests retried from the dead instance: " + retried + ", seen in flight after a retry: "
				+ retriedSeenInFlight);
		assertThat(retried).as("requests retried from the dead instance").isPositive();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(queue(live).pool().availablePermits()).isEqualTo(1));
	}

	private PriorityAdmissionQueue queue(String instanceId) {
		PriorityAdmissionQueue queue = this.admission.find("svc", instanceId);
		assertThat(queue).isNotNull();
		return queue;
	}

	private SchedulerSnapshot.Instance instance(String instanceId) {
		return this.schedulers.scheduler("svc")
			.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.id().equals(instanceId))
			.findFirst()
			.orElseThrow();
	}

}
