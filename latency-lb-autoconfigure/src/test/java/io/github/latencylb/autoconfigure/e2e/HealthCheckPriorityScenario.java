package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The HAProxy write-up's surge, driven through a gateway on loopback: many more
 * concurrent regular clients than the backends can serve, and a health checker probing
 * every 200 ms with a 1 s timeout. Bounded in time; stops by itself.
 */
final class HealthCheckPriorityScenario {

	final AtomicInteger healthOk = new AtomicInteger();

	final AtomicInteger healthFailed = new AtomicInteger();

	final Map<Integer, AtomicInteger> regularStatuses = new ConcurrentHashMap<>();

	final AtomicInteger regularErrors = new AtomicInteger();

	private final HttpClient client;

	private final HttpClient healthChecker;

	private final ConnectionProvider pool = ConnectionProvider.builder("scenario")
		.maxConnections(1000)
		.pendingAcquireMaxCount(-1)
		.build();

	private final ConnectionProvider healthPool = ConnectionProvider.builder("health-checker")
		.maxConnections(50)
		.build();

	// Own event loops, as separate processes would have: neither the load nor the health
	// checker
	// waits behind the gateway's own work (or each other's) in Reactor Netty's shared
	// loops.
	private final LoopResources loops = LoopResources.create("scenario", 2, true);

	private final LoopResources healthLoops = LoopResources.create("health-checker", 1, true);

	HealthCheckPriorityScenario(int port) {
		this.client = HttpClient.create(this.pool).runOn(this.loops).baseUrl("http://127.0.0.1:" + port);
		this.healthChecker = HttpClient.create(this.healthPool)
			.runOn(this.healthLoops)
			.baseUrl("http://127.0.0.1:" + port);
	}

	void run(int regularClients, Duration duration) {
		long end = System.nanoTime() + duration.toNanos();
		Mono<Void> regular = Flux.range(0, regularClients).flatMap((i) -> regularLoop(end), regularClients).then();
		Mono<Void> health = probeHealth(this.healthChecker, end, this.healthOk, this.healthFailed);
		try {
			Mono.when(regular, health).block(duration.plusSeconds(30));
		}
		finally {
			this.pool.disposeLater().block(Duration.ofSeconds(10));
			this.healthPool.disposeLater().block(Duration.ofSeconds(10));
			this.loops.disposeLater().block(Duration.ofSeconds(10));
			this.healthLoops.disposeLater().block(Duration.ofSeconds(10));
		}
	}

	/**
	 * Probe {@code /health} every 200 ms with a 1 s timeout, as the write-up's health
	 * checker does, until {@code end}.
	 * @param checker the health checker's client
	 * @param end when to stop, in {@link System#nanoTime()}
	 * @param ok counts the probes answered 200
	 * @param failed counts the others (another status, an error or a timeout)
	 * @return completes when the last probe is answered
	 */
	static Mono<Void> probeHealth(HttpClient checker, long end, AtomicInteger ok, AtomicInteger failed) {
		return Flux.interval(Duration.ofMillis(200))
			.takeWhile((tick) -> System.nanoTime() < end)
			.flatMap((tick) -> checker.get()
				.uri("/health")
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
				.timeout(Duration.ofSeconds(1))
				.doOnNext((status) -> ((status == 200) ? ok : failed).incrementAndGet())
				.onErrorResume((ex) -> {
					failed.incrementAndGet();
					return Mono.empty();
				}))
			.then();
	}

	private Mono<Void> regularLoop(long end) {
		return Mono.defer(() -> this.client.get()
			.uri("/work")
			.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
			.timeout(Duration.ofSeconds(15))
			.doOnNext((status) -> this.regularStatuses.computeIfAbsent(status, (s) -> new AtomicInteger())
				.incrementAndGet())
			.onErrorResume((ex) -> {
				this.regularErrors.incrementAndGet();
				return Mono.empty();
			})
			.then()).repeat(() -> System.nanoTime() < end).then();
	}

	int regular(int status) {
		AtomicInteger count = this.regularStatuses.get(status);
		return (count != null) ? count.get() : 0;
	}

	@Override
	public String toString() {
		return "health ok=" + this.healthOk + " failed=" + this.healthFailed + ", regular " + this.regularStatuses
				+ " errors=" + this.regularErrors;
	}

}
