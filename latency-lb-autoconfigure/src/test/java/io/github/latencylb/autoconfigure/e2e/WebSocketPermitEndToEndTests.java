package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A WebSocket upgrade gives its request permit back once the upgrade is answered: with
 * one permit, three WebSockets stay open at once through the gateway and ordinary
 * requests still pass; when they close, nothing is left in flight. Opened one after the
 * other, and racing for the permit: three upgrades queued behind a request that holds it
 * all open once it frees (each waiter resumes on its own event loop).
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.routes[0].id=ws",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb:ws://svc",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/ws/**",
				"spring.cloud.gateway.server.webflux.routes[0].order=-1",
				"spring.cloud.gateway.server.webflux.routes[1].id=svc",
				"spring.cloud.gateway.server.webflux.routes[1].uri=lb://svc",
				"spring.cloud.gateway.server.webflux.routes[1].predicates[0]=Path=/**",
				"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=1",
				"latency-lb.queue.timeout=2s" })
@DirtiesContext
class WebSocketPermitEndToEndTests {

	static final AtomicInteger open = new AtomicInteger();

	static final AtomicReference<Sinks.Empty<Void>> hold = new AtomicReference<>(Sinks.empty());

	static final DisposableServer backend = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.route((routes) -> routes.ws("/ws/echo", (in, out) -> {
			open.incrementAndGet();
			return out.sendString(in.receive().asString()).then().doFinally((signal) -> open.decrementAndGet());
		})
			.get("/plain", (request, response) -> response.sendString(Mono.just("plain"), StandardCharsets.UTF_8))
			.get("/hold",
					(request, response) -> response.sendString(
							Mono.defer(() -> hold.get().asMono()).then(Mono.just("held")), StandardCharsets.UTF_8)))
		.bindNow();

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	SchedulerRegistry schedulers;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		GatewayEndToEndSupport.registerInstances(registry, List.of(backend.port()));
	}

	@AfterAll
	static void stopBackend() {
		backend.disposeNow(Duration.ofSeconds(2));
	}

	@Test
	void openWebSocketsShouldNotHoldRequestPermits() {
		List<Sinks.Empty<Void>> closers = new ArrayList<>();
		List<Disposable> sockets = new ArrayList<>();
		AtomicInteger echoed = new AtomicInteger();
		try {
			for (int i = 0; i < 3; i++) {
				Sinks.Empty<Void> close = Sinks.empty();
				closers.add(close);
				sockets.add(echo(close, echoed).subscribe());
				// One after the other: each upgrade needs the one permit, which an open
				// WebSocket must not keep (upgrades waiting for it in the queue:
				// upgradesRacingForOnePermitShouldAllOpen).
				int opened = i + 1;
				await().atMost(Duration.ofSeconds(15)).until(() -> open.get() == opened && echoed.get() == opened);
			}
			// One permit, three WebSockets open at once on the backend.
			PriorityAdmissionQueue queue = this.admission.find("svc", "127.0.0.1:" + backend.port());
			assertThat(queue).isNotNull();
			assertThat(queue.pool().availablePermits()).isEqualTo(1);
			// Ordinary requests pass while they are open.
			assertThat(plain(this.port)).isEqualTo("plain");
		}
		finally {
			closers.forEach(Sinks.Empty::tryEmitEmpty);
		}
		assertNothingLeftInFlight();
		sockets.forEach(Disposable::dispose);
	}

	@Test
	void upgradesRacingForOnePermitShouldAllOpen() {
		List<Sinks.Empty<Void>> closers = new ArrayList<>();
		List<Disposable> sockets = new ArrayList<>();
		AtomicInteger echoed = new AtomicInteger();
		AtomicInteger failed = new AtomicInteger();
		Sinks.Empty<Void> release = Sinks.empty();
		hold.set(release);
		try {
			// An ordinary request takes the one permit and keeps it until released.
			Mono<String> held = HttpClient.create()
				.get()
				.uri("http://127.0.0.1:" + this.port + "/hold")
				.responseContent()
				.aggregate()
				.asString()
				.cache();
			held.subscribe();
			await().atMost(Duration.ofSeconds(10)).until(() -> permitsOf(this.admission) == 0);
			PriorityAdmissionQueue queue = this.admission.find("svc", "127.0.0.1:" + backend.port());
			assertThat(queue).isNotNull();
			for (int i = 0; i < 3; i++) {
				Sinks.Empty<Void> close = Sinks.empty();
				closers.add(close);
				sockets.add(echo(close, echoed).doOnError((ex) -> failed.incrementAndGet()).subscribe());
			}
			// Three upgrades wait for the one permit; it frees and goes to one after the
			// other, each giving it back at its upgrade.
			await().atMost(Duration.ofSeconds(10)).until(() -> queue.queueLength() == 3);
			release.tryEmitEmpty();
			assertThat(held.block(Duration.ofSeconds(10))).isEqualTo("held");
			await().atMost(Duration.ofSeconds(15))
				.until(() -> (open.get() == 3 && echoed.get() == 3) || failed.get() > 0);
			assertThat(failed).as("upgrades that failed").hasValue(0);
			assertThat(queue.pool().availablePermits()).isEqualTo(1);
			assertThat(queue.queueLength()).isZero();
			// Ordinary requests pass while they are open.
			assertThat(plain(this.port)).isEqualTo("plain");
		}
		finally {
			release.tryEmitEmpty();
			closers.forEach(Sinks.Empty::tryEmitEmpty);
		}
		assertNothingLeftInFlight();
		sockets.forEach(Disposable::dispose);
	}

	private static int permitsOf(AdmissionRegistry admission) {
		PriorityAdmissionQueue queue = admission.find("svc", "127.0.0.1:" + backend.port());
		return (queue != null) ? queue.pool().availablePermits() : -1;
	}

	private static String plain(int port) {
		return HttpClient.create()
			.get()
			.uri("http://127.0.0.1:" + port + "/plain")
			.responseContent()
			.aggregate()
			.asString()
			.block(Duration.ofSeconds(10));
	}

	private void assertNothingLeftInFlight() {
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			assertThat(open.get()).isZero();
			assertThat(this.schedulers.scheduler("svc").totalInflight()).isZero();
			assertThat(this.admission.queues("svc").values()).allSatisfy((queue) -> {
				assertThat(queue.pool().availablePermits()).isEqualTo(1);
				assertThat(queue.queueLength()).isZero();
			});
		});
	}

	/**
	 * A WebSocket to the echo route: sends one message, counts each echo, and closes when
	 * {@code close} completes.
	 * @param close completes to close the socket
	 * @param echoed counts the echoes received
	 * @return the socket's lifetime
	 */
	private Mono<Void> echo(Sinks.Empty<Void> close, AtomicInteger echoed) {
		return HttpClient.create()
			.websocket()
			.uri("ws://127.0.0.1:" + this.port + "/ws/echo")
			.handle((in, out) -> Mono.when(in.receive().asString().doOnNext((text) -> echoed.incrementAndGet()).then(),
					out.sendString(Mono.just("hello")).then().then(close.asMono()).then(out.sendClose())))
			.then();
	}

}
