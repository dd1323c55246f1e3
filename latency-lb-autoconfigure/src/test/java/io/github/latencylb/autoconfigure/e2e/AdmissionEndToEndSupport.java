package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the end-to-end tests of admission (a {@link GatewayEndToEndTests} each: the leak
 * tests and others) share: the gateway's admission state, a client opening one connection
 * per request, and the check that nothing stays taken once the traffic is over.
 */
abstract class AdmissionEndToEndSupport {

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	BulkheadRegistry bulkheads;

	@Autowired
	SchedulerRegistry schedulers;

	/**
	 * Return a client that opens one connection per request: with keep-alive, a request
	 * that reaches the gateway before the previous exchange on its connection has
	 * terminated, and is then answered synchronously (an immediate 503), can stall the
	 * connection in Reactor Netty 1.2.x (reactor/reactor-netty#4361), which is not what
	 * these tests are about.
	 * @return the client
	 */
	HttpClient client() {
		return HttpClient.newConnection().baseUrl("http://127.0.0.1:" + this.port);
	}

	/**
	 * Wait until nothing is taken: exactly the given instances of service {@code svc}
	 * have a queue and a bulkhead (ours, as Resilience4j sees it), each with all its
	 * permits free and nobody waiting; the service queue is empty and nothing is in
	 * flight.
	 * @param instanceIds the instances the service has
	 * @param permits the permits of each
	 */
	void awaitNothingTaken(Collection<String> instanceIds, int permits) {
		Scheduler scheduler = this.schedulers.scheduler("svc");
		List<String> names = instanceIds.stream().map((id) -> AdmissionRegistry.nameOf("svc", id)).toList();
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			ServiceQueue service = this.admission.findServiceQueue("svc");
			assertThat((service != null) ? service.length() : 0).as("requests in the service queue").isZero();
			assertThat(this.admission.queues("svc")).containsOnlyKeys(instanceIds);
			assertThat(this.admission.queues("svc").values()).allSatisfy((queue) -> {
				assertThat(queue.queueLength()).isZero();
				assertThat(queue.pool().maxPermits()).isEqualTo(permits);
				assertThat(queue.pool().availablePermits()).isEqualTo(permits);
			});
			List<Bulkhead> ours = this.bulkheads.getAllBulkheads()
				.stream()
				.filter((b) -> b.getName().startsWith("svc:"))
				.toList();
			assertThat(ours).extracting(Bulkhead::getName).containsExactlyInAnyOrderElementsOf(names);
			assertThat(ours).allSatisfy((bulkhead) -> {
				assertThat(bulkhead.getMetrics().getMaxAllowedConcurrentCalls()).isEqualTo(permits);
				assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).as(bulkhead.getName())
					.isEqualTo(permits);
			});
			assertThat(scheduler.totalInflight()).isZero();
			assertThat(scheduler.snapshot().instances()).allSatisfy((i) -> assertThat(i.inflight()).isZero());
		});
	}

}
