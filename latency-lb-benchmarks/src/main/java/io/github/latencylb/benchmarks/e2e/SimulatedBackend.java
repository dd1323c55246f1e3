package io.github.latencylb.benchmarks.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * One loopback backend instance that behaves like a CPU-bound server with a fixed number
 * of workers: each request holds one of {@code workers} threads for the service time
 * (requests beyond that wait in the server's FIFO queue). A health check
 * ({@code /health}) takes a tenth of the service time. Every response names the instance
 * in the {@code X-Instance} header.
 */
final class SimulatedBackend {

	static final String INSTANCE_HEADER = "X-Instance";

	private static final byte[] BODY = "ok".getBytes(StandardCharsets.US_ASCII);

	private final String name;

	private final int port;

	private final int workers;

	private volatile long serviceMicros;

	private HttpServer server;

	private ExecutorService executor;

	SimulatedBackend(String name, int port, int workers, long serviceMillis) {
		this.name = name;
		this.port = port;
		this.workers = workers;
		this.serviceMicros = serviceMillis * 1000;
	}

	String name() {
		return this.name;
	}

	/**
	 * Set the service time of a regular request, e.g. to degrade the instance.
	 * @param millis the new service time
	 */
	void serviceMillis(long millis) {
		this.serviceMicros = millis * 1000;
	}

	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", this.port), 1024);
		this.executor = Executors.newFixedThreadPool(this.workers, (task) -> {
			Thread thread = new Thread(task, this.name + "-worker");
			thread.setDaemon(true);
			return thread;
		});
		this.server.setExecutor(this.executor);
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	/**
	 * Stop at once: open connections are closed, queued requests are dropped.
	 */
	void stop() {
		if (this.server != null) {
			this.server.stop(0);
			this.executor.shutdownNow();
			this.server = null;
		}
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
			in.readAllBytes();
			long micros = this.serviceMicros;
			if (exchange.getRequestURI().getPath().endsWith("/health")) {
				micros /= 10;
			}
			Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
			exchange.getResponseHeaders().add(INSTANCE_HEADER, this.name);
			exchange.sendResponseHeaders(200, BODY.length);
			out.write(BODY);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			exchange.close();
		}
	}

}
