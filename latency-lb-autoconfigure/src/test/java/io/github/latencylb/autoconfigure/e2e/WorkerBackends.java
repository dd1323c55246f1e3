package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * CPU-bound-like backends on loopback, as in the HAProxy write-up: each has a fixed
 * number of workers; a request (health checks included) occupies a worker for the service
 * time, and requests beyond the workers wait in the backend's own FIFO queue.
 */
final class WorkerBackends implements LoopbackBackends {

	final List<Backend> backends = new ArrayList<>();

	WorkerBackends(int count, int workers, Duration serviceTime) {
		for (int i = 1; i <= count; i++) {
			this.backends.add(new Backend("worker-" + i, workers, serviceTime));
		}
	}

	@Override
	public List<Integer> ports() {
		return this.backends.stream().map((b) -> b.server.port()).toList();
	}

	@Override
	public void close() {
		this.backends.forEach(Backend::close);
	}

	static final class Backend {

		final String id;

		final DisposableServer server;

		final AtomicInteger busy = new AtomicInteger();

		final AtomicInteger maxBusy = new AtomicInteger();

		private final ExecutorService executor;

		private final Scheduler workers;

		Backend(String id, int workers, Duration serviceTime) {
			this.id = id;
			this.executor = Executors.newFixedThreadPool(workers);
			this.workers = Schedulers.fromExecutorService(this.executor);
			this.server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request, response) -> Mono.fromRunnable(() -> work(serviceTime))
					.subscribeOn(this.workers)
					.then(response.header("X-Instance", id).sendString(Mono.just(id), StandardCharsets.UTF_8).then()))
				.bindNow();
		}

		private void work(Duration serviceTime) {
			int now = this.busy.incrementAndGet();
			this.maxBusy.accumulateAndGet(now, Math::max);
			try {
				Thread.sleep(serviceTime.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				this.busy.decrementAndGet();
			}
		}

		void close() {
			this.server.disposeNow();
			this.workers.dispose();
			this.executor.shutdownNow();
		}

	}

}
