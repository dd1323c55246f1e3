package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.StreamLimits;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerSnapshot;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Permits and leases last as long as the response, end to end, on one instance with two
 * permits: large downloads reach the backend two at a time; a download or an event stream
 * whose body breaks off counts as a failure; server-sent-event streams move to the stream
 * limit (three), so that ordinary requests still pass while they are open, and more
 * streams than both limits never reach the backend at once. Afterwards every permit and
 * stream slot is free and nothing is in flight.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.routes[0].id=svc",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
				"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.bulkhead.max-concurrent-calls=2",
				"latency-lb.bulkhead.max-concurrent-streams=3", "latency-lb.queue.timeout=20s",
				"latency-lb.queue.max-length=100", "latency-lb.retry.max-attempts=1",
				"latency-lb.ejection.consecutive-failures=100",
				"spring.cloud.gateway.server.webflux.httpclient.response-timeout=20s" })
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamingEndToEndTests {

	static final int CHUNK = 32 * 1024;

	static final StreamingBackend backend = new StreamingBackend();

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	SchedulerRegistry schedulers;

	@Autowired
	StreamLimits streams;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		GatewayEndToEndSupport.registerInstances(registry, List.of(backend.server.port()));
	}

	@AfterAll
	static void stopBackend() {
		backend.server.disposeNow(Duration.ofSeconds(2));
	}

	@AfterEach
	void everyPermitAndStreamSlotShouldBeFreeAndNothingInFlight() {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			PriorityAdmissionQueue queue = this.admission.find("svc", backend.instanceId());
			assertThat(queue).isNotNull();
			assertThat(queue.queueLength()).isZero();
			assertThat(queue.pool().availablePermits()).isEqualTo(2);
			int slots = this.streams.available("svc", backend.instanceId());
			assertThat(slots).isIn(-1, 3);
			assertThat(this.schedulers.scheduler("svc").totalInflight()).isZero();
		});
	}

	@Test
	@Order(1)
	void largeDownloadsShouldReachTheBackendOnlyAsManyAtOnceAsThePermits() {
		backend.reset();
		int downloads = 10;
		int chunks = 24;
		List<Integer> sizes = Flux.range(0, downloads)
			.flatMap((i) -> client().get()
				.uri("/download?chunks=" + chunks)
				.responseSingle((response, body) -> body.asByteArray().map((bytes) -> bytes.length)), downloads)
			.collectList()
			.block(Duration.ofSeconds(60));
		System.out.println("Downloads: " + downloads + " of " + (chunks * CHUNK)
				+ " bytes, most at once on the backend " + backend.maxDownloads.get());
		assertThat(sizes).hasSize(downloads).containsOnly(chunks * CHUNK);
		// Two permits: never more than two bodies being sent at once, and both used.
		assertThat(backend.maxDownloads.get()).isEqualTo(2);
	}

	@Test
	@Order(2)
	void bodiesThatBreakOffShouldCountAsFailures() {
		Scheduler scheduler = this.schedulers.scheduler("svc");
		// A successful download clears the failure count.
		client().get().uri("/download?chunks=2").responseContent().aggregate().asByteArray().block();
		assertThat(instance(scheduler).consecutiveFailures()).isZero();
		for (int i = 0; i < 3; i++) {
			// The client may see an error or a cut body, never more than the backend
			// sent.
			int received = client().get()
				.uri("/download-reset")
				.responseContent()
				.aggregate()
				.asByteArray()
				.map((bytes) -> bytes.length)
				.onErrorResume((ex) -> Mono.just(-1))
				.block(Duration.ofSeconds(20));
			assertThat(received).isLessThanOrEqualTo(2 * CHUNK);
		}
		client().get()
			.uri("/sse-reset")
			.responseContent()
			.aggregate()
			.asString()
			.onErrorResume((ex) -> Mono.just("failed"))
			.block(Duration.ofSeconds(20));
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(instance(scheduler).consecutiveFailures()).isEqualTo(4));
	}

	@Test
	@Order(3)
	void eventStreamsShouldMoveToTheStreamLimitAndLeaveThePermitsToOrdinaryRequests() {
		backend.reset();
		// As many streams as the stream limit: the two request permits stay free.
		List<Mono<Long>> open = List.of(events(250), events(250), events(250));
		Flux<Long> streams = Flux.merge(open).cache();
		streams.subscribe();
		await().atMost(Duration.ofSeconds(10)).until(() -> backend.streams.get() == 3);
		// Ordinary requests pass while every stream is open.
		for (int i = 0; i < 4; i++) {
			String body = client().get()
				.uri("/plain")
				.responseContent()
				.aggregate()
				.asString()
				.block(Duration.ofSeconds(5));
			assertThat(body).isEqualTo("plain");
			assertThat(backend.streams.get()).as("streams open while an ordinary request passed").isEqualTo(3);
		}
		assertThat(streams.collectList().block(Duration.ofSeconds(30))).containsOnly(250L);
	}

	@Test
	@Order(4)
	void moreStreamsThanBothLimitsShouldNeverReachTheBackendAtOnce() {
		backend.reset();
		List<Long> events = Flux.range(0, 8).flatMap((i) -> events(40), 8).collectList().block(Duration.ofSeconds(60));
		System.out
			.println("Event streams: 8 opened at once, most open at once on the backend " + backend.maxStreams.get());
		assertThat(events).hasSize(8).containsOnly(40L);
		// Three stream slots, and two request permits held by streams that found no slot.
		assertThat(backend.maxStreams.get()).isEqualTo(5);
	}

	/**
	 * Open an event stream and count the events received, in order, on the whole stream:
	 * the buffers it arrives in may split an event anywhere (a busy client reads several
	 * events at once, in reads of any size), so events are never counted per buffer.
	 */
	private Mono<Long> events(int count) {
		return client().get()
			.uri("/sse?events=" + count)
			.responseContent()
			.asString(StandardCharsets.UTF_8)
			.reduceWith(StringBuilder::new, StringBuilder::append)
			.map((stream) -> eventsInOrder(stream.toString()));
	}

	/**
	 * Count the events {@code data: 0}, {@code data: 1}, ... at the start of a stream,
	 * stopping at the first one missing, out of order or cut off.
	 */
	static long eventsInOrder(String stream) {
		long events = 0;
		for (String event : stream.split("\n\n", -1)) {
			if (!event.equals("data: " + events)) {
				break;
			}
			events++;
		}
		return events;
	}

	private HttpClient client() {
		return HttpClient.newConnection()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(20));
	}

	private SchedulerSnapshot.Instance instance(Scheduler scheduler) {
		return scheduler.snapshot()
			.instances()
			.stream()
			.filter((i) -> i.id().equals(backend.instanceId()))
			.findFirst()
			.orElseThrow();
	}

	/**
	 * One backend on loopback: {@code /download?chunks=N} streams N chunks of 32 KB, 20
	 * ms apart, counting the bodies being sent at once (until each hands on its last
	 * chunk); {@code /download-reset} resets the connection after two chunks;
	 * {@code /sse?events=N} streams N server-sent events, 20 ms apart, counting open
	 * streams; {@code /sse-reset} resets after three events; {@code /plain} answers at
	 * once.
	 */
	static final class StreamingBackend {

		final AtomicInteger downloads = new AtomicInteger();

		final AtomicInteger maxDownloads = new AtomicInteger();

		final AtomicInteger streams = new AtomicInteger();

		final AtomicInteger maxStreams = new AtomicInteger();

		final DisposableServer server;

		StreamingBackend() {
			this.server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
		}

		void reset() {
			this.maxDownloads.set(0);
			this.maxStreams.set(0);
		}

		String instanceId() {
			return "127.0.0.1:" + this.server.port();
		}

		private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
			String uri = request.uri();
			if (uri.startsWith("/download-reset")) {
				return response.header("Content-Type", "application/octet-stream")
					.send(Flux.interval(Duration.ofMillis(20))
						.take(2)
						.map((i) -> Unpooled.wrappedBuffer(new byte[CHUNK])))
					.then()
					.then(reset(request));
			}
			if (uri.startsWith("/download")) {
				int chunks = Integer.parseInt(uri.substring(uri.indexOf('=') + 1));
				// Counted until the last chunk is handed on, before it is written: the
				// gateway cannot see the body end (and free its permit) earlier, so a
				// third download counted meanwhile is one the gateway let through while
				// two bodies were unfinished. The backend's own time after that (the
				// write, the send's completion on a thread that a busy machine may
				// preempt) is not the gateway's and is not counted.
				AtomicBoolean counted = new AtomicBoolean(true);
				Runnable done = () -> {
					if (counted.compareAndSet(true, false)) {
						this.downloads.decrementAndGet();
					}
				};
				return response.header("Content-Type", "application/octet-stream")
					.header("Content-Length", String.valueOf(chunks * CHUNK))
					.send(Flux.interval(Duration.ofMillis(20)).take(chunks).map((i) -> {
						if (i == chunks - 1) {
							done.run();
						}
						return Unpooled.wrappedBuffer(new byte[CHUNK]);
					})
						.doOnSubscribe(
								(s) -> this.maxDownloads.accumulateAndGet(this.downloads.incrementAndGet(), Math::max))
						.doFinally((signal) -> done.run()))
					.then();
			}
			if (uri.startsWith("/sse-reset")) {
				return response.header("Content-Type", "text/event-stream")
					.sendString(Flux.interval(Duration.ofMillis(20)).take(3).map((i) -> "data: " + i + "\n\n"),
							StandardCharsets.UTF_8)
					.then()
					.then(reset(request));
			}
			if (uri.startsWith("/sse")) {
				int events = Integer.parseInt(uri.substring(uri.indexOf('=') + 1));
				return response.header("Content-Type", "text/event-stream")
					.sendString(Flux.interval(Duration.ofMillis(20))
						.take(events)
						.map((i) -> "data: " + i + "\n\n")
						.doOnSubscribe(
								(s) -> this.maxStreams.accumulateAndGet(this.streams.incrementAndGet(), Math::max))
						.doFinally((signal) -> this.streams.decrementAndGet()), StandardCharsets.UTF_8)
					.then();
			}
			return response.sendString(Mono.just("plain"), StandardCharsets.UTF_8).then();
		}

		private static Mono<Void> reset(HttpServerRequest request) {
			return Mono.fromRunnable(() -> request.withConnection((connection) -> {
				connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
				connection.channel().close();
			}));
		}

	}

}
