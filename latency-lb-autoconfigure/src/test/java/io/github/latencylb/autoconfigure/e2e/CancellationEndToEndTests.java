package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that gives up on a request the backend is still working on: the in-flight
 * count goes back to zero (Gateway does not call the load-balancer lifecycle on
 * cancellation; our filter releases in {@code doFinally}).
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false" })
class CancellationEndToEndTests {

	static final TestBackends backends = new TestBackends(2, Duration.ofMillis(1));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@LocalServerPort
	int port;

	@Autowired
	SchedulerRegistry registry;

	@Test
	void cancelledRequestsShouldLeaveInflightAtZero() {
		WebClient web = WebClient.create("http://127.0.0.1:" + this.port);
		// A finished request creates the scheduler and shows accounting is on the normal
		// path too.
		web.get().uri("/work").retrieve().toBodilessEntity().block(Duration.ofSeconds(10));
		Scheduler scheduler = this.registry.scheduler("svc");
		// The lease ends once the response body is written, which the client can see a
		// moment before the gateway's completion signal.
		await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.totalInflight() == 0);
		Disposable[] hanging = new Disposable[5];
		for (int i = 0; i < hanging.length; i++) {
			hanging[i] = web.get().uri("/hang").retrieve().toBodilessEntity().subscribe();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.totalInflight() == hanging.length);
		for (Disposable request : hanging) {
			request.dispose();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.totalInflight() == 0);
		assertThat(scheduler.snapshot().instances()).allSatisfy((i) -> assertThat(i.inflight()).isZero());
	}

}
