package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

/**
 * Real HTTP backends on loopback for end-to-end tests: Reactor Netty servers on free
 * ports, each answering with {@code X-Instance: <id>} after its (changeable) delay;
 * {@code /hang} waits 30 s; {@code /status503} answers 503 Service Unavailable;
 * {@code /actuator/health} answers 503 while the backend is marked unhealthy.
 */
final class TestBackends implements LoopbackBackends {

	final List<Backend> backends = new ArrayList<>();

	TestBackends(int count, Duration delay) {
		for (int i = 1; i <= count; i++) {
			this.backends.add(new Backend("backend-" + i, delay));
		}
	}

	Backend get(String id) {
		return this.backends.stream().filter((b) -> b.id.equals(id)).findFirst().orElseThrow();
	}

	List<ServiceInstance> instances(String serviceId) {
		return this.backends.stream().map((b) -> b.instance(serviceId)).toList();
	}

	@Override
	public List<Integer> ports() {
		return this.backends.stream().map((b) -> b.server.port()).toList();
	}

	@Override
	public void close() {
		this.backends.forEach((b) -> b.server.disposeNow());
	}

	static final class Backend {

		final String id;

		final AtomicReference<Duration> delay;

		final AtomicInteger requests = new AtomicInteger();

		final DisposableServer server;

		private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

		private volatile boolean dead;

		volatile boolean healthy = true;

		Backend(String id, Duration delay) {
			this.id = id;
			this.delay = new AtomicReference<>(delay);
			this.server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.doOnConnection((connection) -> this.connections.add(connection.channel()))
				.handle((request, response) -> {
					if (this.dead) {
						// Killed: a connection that slipped through is closed unanswered.
						request.withConnection((connection) -> connection.channel().close());
						return Mono.empty();
					}
					this.requests.incrementAndGet();
					Duration wait = request.uri().startsWith("/hang") ? Duration.ofSeconds(30) : this.delay.get();
					if (request.uri().startsWith("/status503")
							|| (!this.healthy && request.uri().startsWith("/actuator/health"))) {
						response.status(HttpResponseStatus.SERVICE_UNAVAILABLE);
					}
					return Mono.delay(wait)
						.then(response.header("X-Instance", id)
							.sendString(Mono.just(id), StandardCharsets.UTF_8)
							.then());
				})
				.bindNow();
		}

		/**
		 * Kill this backend as a crash would: stop listening and close every open
		 * connection at once, requests in progress included.
		 */
		void kill() {
			this.dead = true;
			this.server.disposeNow();
			this.connections.close().awaitUninterruptibly();
		}

		ServiceInstance instance(String serviceId) {
			return new DefaultServiceInstance(null, serviceId, "127.0.0.1", this.server.port(), false);
		}

		String instanceId() {
			return "127.0.0.1:" + this.server.port();
		}

	}

}
