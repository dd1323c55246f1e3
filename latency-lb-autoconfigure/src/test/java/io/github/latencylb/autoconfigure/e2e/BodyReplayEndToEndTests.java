package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Request bodies and retries, end to end: PUT, POST and DELETE with bodies from 1 KB to 1
 * MB, with a fixed length or chunked, against backends that read the whole body and then
 * answer 503 or reset the connection the first time they see a request. Every attempt
 * that reaches a backend carries exactly the client's bytes (SHA-256 compared); a request
 * is retried only when its body was kept (PUT and DELETE up to max-body-bytes) and
 * otherwise answered once with the failure; no request hangs.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.gateway.server.webflux.routes[0].id=svc",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb://svc",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**",
				"spring.cloud.loadbalancer.cache.enabled=false", "latency-lb.retry.max-attempts=2",
				"latency-lb.retry.max-body-bytes=" + BodyReplayEndToEndTests.MAX_BODY_BYTES,
				// Every request fails once: neither the budget nor ejection may
				// interfere.
				"latency-lb.retry.budget-ratio=1.0", "latency-lb.retry.min-retries-per-second=1000",
				"latency-lb.ejection.consecutive-failures=0",
				"spring.cloud.gateway.server.webflux.httpclient.response-timeout=10s" })
@DirtiesContext
class BodyReplayEndToEndTests {

	static final int MAX_BODY_BYTES = 256 * 1024;

	static final int REQUESTS = 1080;

	static final String ID = "X-Request-Id";

	static final String FAIL = "X-Fail";

	static final HashingBackends backends = new HashingBackends(3);

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	@Autowired
	SchedulerRegistry schedulers;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		GatewayEndToEndSupport.registerInstances(registry,
				backends.servers.stream().map((s) -> s.server().port()).toList());
	}

	@AfterAll
	static void stopBackends() {
		backends.close();
	}

	@Test
	void everyAttemptShouldCarryExactlyTheClientsBytesOrNoRetryShouldHappen() {
		SplittableRandom random = new SplittableRandom(7_2026L);
		List<Upload> uploads = new ArrayList<>();
		HttpMethod[] methods = { HttpMethod.PUT, HttpMethod.POST, HttpMethod.DELETE };
		for (int i = 0; i < REQUESTS; i++) {
			// Sizes spread evenly on a log scale from 1 KB to 1 MB, both sides of the
			// limit.
			int size = (int) Math.round(1024 * Math.pow(1024, random.nextDouble()));
			byte[] body = new byte[size];
			random.nextBytes(body);
			uploads.add(new Upload("r" + i, methods[i % 3], body, random.nextBoolean(),
					random.nextBoolean() ? "503" : "reset"));
		}
		ConnectionProvider pool = ConnectionProvider.builder("body-replay").maxConnections(16).build();
		HttpClient client = HttpClient.create(pool)
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(15));
		Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
		long start = System.nanoTime();
		try {
			Flux.fromIterable(uploads)
				.flatMap((upload) -> send(client, upload).doOnNext((o) -> outcomes.put(upload.id(), o)), 16)
				.then()
				.block(Duration.ofSeconds(90));
		}
		finally {
			pool.disposeLater().block(Duration.ofSeconds(5));
		}
		long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

		Map<String, Integer> tally = new TreeMap<>();
		long bytes = 0;
		for (Upload upload : uploads) {
			Outcome outcome = outcomes.get(upload.id());
			assertThat(outcome).as(upload.id()).isNotNull();
			assertThat(outcome.hung()).as("request " + upload + " hung").isFalse();
			List<Received> received = backends.received(upload.id());
			// Every attempt that reached a backend carried exactly the client's bytes.
			assertThat(received).as("attempts of " + upload).isNotEmpty().allSatisfy((r) -> {
				assertThat(r.length()).as("bytes received by an attempt of " + upload).isEqualTo(upload.body().length);
				assertThat(r.sha()).as("body received by an attempt of " + upload).isEqualTo(sha(upload.body()));
			});
			boolean retriable = upload.method() != HttpMethod.POST && upload.body().length <= MAX_BODY_BYTES;
			if (retriable) {
				assertThat(received).as("attempts of " + upload).hasSize(2);
				assertThat(received.get(1).backend()).isNotEqualTo(received.get(0).backend());
				assertThat(outcome.status()).as("status of " + upload).isEqualTo(200);
				assertThat(outcome.sha()).as("body echoed for " + upload).isEqualTo(sha(upload.body()));
			}
			else {
				assertThat(received).as("attempts of " + upload + " (not retriable)").hasSize(1);
				assertThat(outcome.status()).as("status of " + upload + " (not retriable)").isNotEqualTo(200);
			}
			tally.merge(upload.method() + (upload.chunked() ? "/chunked" : "/fixed") + "/" + upload.failure() + "/"
					+ (retriable ? "retried" : "not-retried"), 1, Integer::sum);
			bytes += (long) upload.body().length * received.size();
		}
		System.out.println("Body replay: " + REQUESTS + " requests in " + millis + " ms, " + (bytes >> 20)
				+ " MiB received by backends, by kind: " + tally);
		// Every kind was exercised.
		assertThat(tally.keySet()).hasSizeGreaterThanOrEqualTo(20);

		// Nothing is left in flight, every permit is back.
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(this.schedulers.scheduler("svc").totalInflight()).isZero();
			assertThat(this.admission.queues("svc").values()).allSatisfy(
					(queue) -> assertThat(queue.pool().availablePermits()).isEqualTo(queue.pool().maxPermits()));
		});
	}

	private static Mono<Outcome> send(HttpClient client, Upload upload) {
		byte[] body = upload.body();
		List<byte[]> chunks = new ArrayList<>();
		for (int offset = 0; offset < body.length; offset += 16 * 1024) {
			byte[] chunk = new byte[Math.min(16 * 1024, body.length - offset)];
			System.arraycopy(body, offset, chunk, 0, chunk.length);
			chunks.add(chunk);
		}
		return client.headers((h) -> {
			h.set(ID, upload.id());
			h.set(FAIL, upload.failure());
			if (upload.chunked()) {
				h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
			}
			else {
				h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
			}
		})
			.request(upload.method())
			.uri("/upload")
			.send(ByteBufFlux.fromInbound(Flux.fromIterable(chunks).map(Unpooled::wrappedBuffer)))
			.responseSingle((response, content) -> content.asString()
				.defaultIfEmpty("")
				.map((ignored) -> new Outcome(response.status().code(), response.responseHeaders().get("X-Body-Sha"),
						false)))
			.timeout(Duration.ofSeconds(20))
			.onErrorResume((ex) -> Mono.just(new Outcome(-1, ex.toString(), ex instanceof TimeoutException)));
	}

	static String sha(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	record Upload(String id, HttpMethod method, byte[] body, boolean chunked, String failure) {

		@Override
		public String toString() {
			return this.id + " " + this.method + " " + this.body.length + " bytes "
					+ (this.chunked ? "chunked" : "fixed-length") + ", fails with " + this.failure;
		}

	}

	record Outcome(int status, String sha, boolean hung) {
	}

	record Received(String backend, int length, String sha) {
	}

	/**
	 * Backends on loopback that read each request's whole body and record its length and
	 * SHA-256; the first attempt of each request (wherever it lands) then fails as its
	 * {@code X-Fail} header says: a 503, or a reset connection. Later attempts are
	 * answered 200 with the body's hash.
	 */
	static final class HashingBackends implements AutoCloseable {

		final List<Named> servers = new ArrayList<>();

		private final Map<String, List<Received>> received = new ConcurrentHashMap<>();

		private final Set<String> seen = ConcurrentHashMap.newKeySet();

		HashingBackends(int count) {
			for (int i = 1; i <= count; i++) {
				String name = "hashing-" + i;
				DisposableServer server = HttpServer.create()
					.host("127.0.0.1")
					.port(0)
					.handle((request, response) -> request.receive()
						.aggregate()
						.asByteArray()
						.defaultIfEmpty(new byte[0])
						.flatMap((bytes) -> {
							String id = request.requestHeaders().get(ID);
							String sha = sha(bytes);
							this.received.computeIfAbsent(id, (k) -> Collections.synchronizedList(new ArrayList<>()))
								.add(new Received(name, bytes.length, sha));
							if (this.seen.add(id)) {
								if ("reset".equals(request.requestHeaders().get(FAIL))) {
									return Mono.fromRunnable(() -> request.withConnection((connection) -> {
										connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
										connection.channel().close();
									}));
								}
								return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
									.sendString(Mono.just("busy"), StandardCharsets.UTF_8)
									.then();
							}
							return response.header("X-Body-Sha", sha)
								.sendString(Mono.just("ok"), StandardCharsets.UTF_8)
								.then();
						}))
					.bindNow();
				this.servers.add(new Named(name, server));
			}
		}

		List<Received> received(String id) {
			List<Received> list = this.received.get(id);
			return (list != null) ? List.copyOf(list) : List.of();
		}

		@Override
		public void close() {
			this.servers.forEach((s) -> s.server().disposeNow(Duration.ofSeconds(2)));
		}

	}

	record Named(String name, DisposableServer server) {
	}

}
