package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Groups of closed-loop clients (each sends its next request when the previous one is
 * answered) against a gateway on loopback, for a fixed time. Only answers that arrive
 * within the time count; requests still in flight at the end complete but are not
 * counted. Bounded in time; stops by itself.
 */
final class ClosedLoopLoad implements AutoCloseable {

	private final ConnectionProvider pool = ConnectionProvider.builder("closed-loop")
		.maxConnections(500)
		.pendingAcquireMaxCount(-1)
		.build();

	// Own event loops, as separate client processes would have.
	private final LoopResources loops = LoopResources.create("closed-loop", 2, true);

	private final HttpClient client;

	ClosedLoopLoad(int port) {
		this.client = HttpClient.create(this.pool).runOn(this.loops).baseUrl("http://127.0.0.1:" + port);
	}

	/**
	 * Run the groups together for {@code duration}.
	 * @return the statistics of each group, by name
	 */
	Map<String, Stats> run(List<Group> groups, Duration duration) {
		long start = System.nanoTime();
		long end = start + duration.toNanos();
		Map<String, Stats> stats = new LinkedHashMap<>();
		Flux<Void> all = Flux.empty();
		for (Group group : groups) {
			Stats groupStats = new Stats(duration);
			stats.put(group.name(), groupStats);
			all = all.mergeWith(Flux.range(0, group.clients())
				.flatMap((i) -> loop(group, groupStats, end), group.clients())
				.then()
				.flux());
		}
		all.then().block(duration.plusSeconds(30));
		return stats;
	}

	private Mono<Void> loop(Group group, Stats stats, long end) {
		return Mono.defer(() -> {
			long sent = System.nanoTime();
			return this.client.headers((headers) -> headers.set("User-Agent", group.userAgent()))
				.get()
				.uri(group.path())
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
				.timeout(Duration.ofSeconds(15))
				.doOnNext((status) -> stats.record(status, System.nanoTime() - sent, end))
				.onErrorResume((ex) -> {
					stats.errors.increment();
					return Mono.empty();
				})
				.then();
		}).repeat(() -> System.nanoTime() < end).then();
	}

	@Override
	public void close() {
		this.pool.disposeLater().block(Duration.ofSeconds(10));
		this.loops.disposeLater().block(Duration.ofSeconds(10));
	}

	/**
	 * Clients that send the same request over and over.
	 *
	 * @param name the group's name
	 * @param clients how many clients
	 * @param path the request path
	 * @param userAgent the User-Agent header
	 */
	record Group(String name, int clients, String path, String userAgent) {
	}

	static final class Stats {

		final LongAdder ok = new LongAdder();

		final LongAdder failed = new LongAdder();

		final LongAdder errors = new LongAdder();

		final LongAdder okLatencyNanos = new LongAdder();

		final Duration duration;

		Stats(Duration duration) {
			this.duration = duration;
		}

		void record(int status, long latencyNanos, long end) {
			if (System.nanoTime() > end) {
				return;
			}
			if (status == 200) {
				this.ok.increment();
				this.okLatencyNanos.add(latencyNanos);
			}
			else {
				this.failed.increment();
			}
		}

		double throughput() {
			return this.ok.sum() / (this.duration.toNanos() / 1e9);
		}

		double meanLatencyMillis() {
			long ok = this.ok.sum();
			return (ok > 0) ? this.okLatencyNanos.sum() / 1e6 / ok : Double.NaN;
		}

		@Override
		public String toString() {
			return String.format("%d ok (%.1f/s, mean %.1f ms), %d non-200, %d errors", this.ok.sum(), throughput(),
					meanLatencyMillis(), this.failed.sum(), this.errors.sum());
		}

	}

}
