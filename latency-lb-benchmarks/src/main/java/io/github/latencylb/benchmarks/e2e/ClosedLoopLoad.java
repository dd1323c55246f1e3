package io.github.latencylb.benchmarks.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop keep-alive HTTP/1.1 clients against one target (a gateway or HAProxy), for
 * a bounded time: each client sends a request, waits for its answer (or its timeout),
 * thinks for an exponentially distributed time, and sends the next. A periodic client
 * (health checks) sends at a fixed rate whatever the answers. Every answer becomes a
 * {@link Sample}.
 */
final class ClosedLoopLoad implements AutoCloseable {

	static final String SCENARIO_HEADER = "X-Scenario";

	private final HttpClient http;

	private final URI uri;

	private final URI healthUri;

	private final String scenario;

	private final long startNanos = System.nanoTime();

	private final long endNanos;

	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "load-timer");
		thread.setDaemon(true);
		return thread;
	});

	private final Phaser running = new Phaser(1);

	private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();

	/**
	 * Start a load run.
	 * @param target base URL of the gateway or proxy
	 * @param scenario the scenario (the gateway routes on it)
	 * @param duration how long clients keep sending
	 */
	ClosedLoopLoad(String target, String scenario, Duration duration) {
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.build();
		this.uri = URI.create(target + "/work");
		this.healthUri = URI.create(target + "/health");
		this.scenario = scenario;
		this.endNanos = this.startNanos + duration.toNanos();
	}

	/**
	 * Seconds since the run started.
	 * @return the elapsed time
	 */
	double elapsedSeconds() {
		return (System.nanoTime() - this.startNanos) / 1e9;
	}

	/**
	 * Start a closed-loop client.
	 * @param kind what its samples are counted as
	 * @param session its session number, or -1 for keyless requests
	 * @param cookie the session cookie value, or {@code null}
	 * @param thinkMillis mean think time between an answer and the next request
	 * @param timeout the client's timeout per request
	 * @param seed randomness of the think times
	 */
	void client(String kind, int session, String cookie, double thinkMillis, Duration timeout, long seed) {
		this.running.register();
		SplittableRandom random = new SplittableRandom(seed);
		HttpRequest.Builder builder = HttpRequest.newBuilder(this.uri)
			.timeout(timeout)
			.header(SCENARIO_HEADER, this.scenario);
		if (cookie != null) {
			builder.header("Cookie", "SESSION=" + cookie);
		}
		HttpRequest request = builder.build();
		long firstDelay = (long) (random.nextDouble() * Math.max(thinkMillis, 50) * 1000);
		this.timer.schedule(() -> loop(request, kind, session, thinkMillis, random), firstDelay, TimeUnit.MICROSECONDS);
	}

	/**
	 * Start a client that sends health checks at a fixed period.
	 * @param period time between two checks
	 * @param timeout the checker's timeout
	 */
	void healthChecker(Duration period, Duration timeout) {
		HttpRequest request = HttpRequest.newBuilder(this.healthUri)
			.timeout(timeout)
			.header(SCENARIO_HEADER, this.scenario)
			.build();
		this.running.register();
		this.timer.scheduleAtFixedRate(() -> {
			if (System.nanoTime() < this.endNanos) {
				send(request, "health", -1);
			}
		}, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
		this.timer.schedule(() -> this.running.arriveAndDeregister(), this.endNanos - System.nanoTime(),
				TimeUnit.NANOSECONDS);
	}

	/**
	 * Run {@code action} at {@code seconds} into the run, on a thread of its own: an
	 * action that blocks (stopping a backend waits up to a second for its dispatcher)
	 * must not hold the timer that sends the clients' next requests, or they would all
	 * leave together afterwards, a herd that has nothing to do with the scenario.
	 * @param seconds when
	 * @param action what
	 */
	void at(double seconds, Runnable action) {
		long delay = this.startNanos + (long) (seconds * 1e9) - System.nanoTime();
		this.timer.schedule(() -> CompletableFuture.runAsync(action), Math.max(0, delay), TimeUnit.NANOSECONDS);
	}

	/**
	 * Wait for every client to stop (the run's duration plus the requests in flight).
	 * @return every sample of the run
	 * @throws InterruptedException if interrupted
	 */
	List<Sample> await() throws InterruptedException {
		this.running.arriveAndAwaitAdvance();
		// Health checks still in flight land within their timeout.
		Thread.sleep(1200);
		return List.copyOf(this.samples);
	}

	@Override
	public void close() {
		this.timer.shutdownNow();
	}

	private void loop(HttpRequest request, String kind, int session, double thinkMillis, SplittableRandom random) {
		if (System.nanoTime() >= this.endNanos) {
			this.running.arriveAndDeregister();
			return;
		}
		send(request, kind, session).whenComplete((ignored, ex) -> {
			long think = (thinkMillis > 0) ? (long) (-Math.log(1 - random.nextDouble()) * thinkMillis * 1000) : 0;
			this.timer.schedule(() -> loop(request, kind, session, thinkMillis, random), think, TimeUnit.MICROSECONDS);
		});
	}

	private CompletableFuture<Void> send(HttpRequest request, String kind, int session) {
		long sent = System.nanoTime();
		return this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, ex) -> {
			long now = System.nanoTime();
			String instance = (response != null)
					? response.headers().firstValue(SimulatedBackend.INSTANCE_HEADER).orElse("") : "";
			int status = (response != null) ? response.statusCode() : -1;
			this.samples.add(new Sample((sent - this.startNanos) / 1e9, (now - this.startNanos) / 1e9,
					(now - sent) / 1e6, kind, session, instance, status));
			return null;
		});
	}

	/**
	 * One answered (or failed) request.
	 *
	 * @param sentAt seconds into the run when it was sent
	 * @param doneAt seconds into the run when it was answered or failed
	 * @param millis its latency
	 * @param kind what it counts as
	 * @param session its session, or -1
	 * @param instance the instance that answered, or empty
	 * @param status the HTTP status, or -1 on a timeout or connection error
	 */
	record Sample(double sentAt, double doneAt, double millis, String kind, int session, String instance, int status) {

		boolean ok() {
			return this.status == 200;
		}

	}

}
