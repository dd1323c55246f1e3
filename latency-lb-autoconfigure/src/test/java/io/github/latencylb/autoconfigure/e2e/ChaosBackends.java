package io.github.latencylb.autoconfigure.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.ChannelOption;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Misbehaving backends on loopback, for the admission leak tests: 70% of requests are
 * answered after 0-50 ms, 10% hang for 1.2 s, 10% get their connection reset (RST) and
 * 10% closed without an answer.
 */
final class ChaosBackends implements LoopbackBackends {

	final List<Backend> backends = new ArrayList<>();

	ChaosBackends(int count) {
		for (int i = 1; i <= count; i++) {
			this.backends.add(new Backend("chaos-" + i));
		}
	}

	long count(Behaviour behaviour) {
		return this.backends.stream().mapToLong((b) -> b.counts.get(behaviour).get()).sum();
	}

	@Override
	public List<Integer> ports() {
		return this.backends.stream().map((b) -> b.server.port()).toList();
	}

	@Override
	public void close() {
		this.backends.forEach((b) -> b.server.disposeNow(Duration.ofSeconds(1)));
	}

	@Override
	public String toString() {
		Map<Behaviour, Long> counts = new TreeMap<>();
		for (Behaviour behaviour : Behaviour.values()) {
			counts.put(behaviour, count(behaviour));
		}
		return counts.toString();
	}

	/**
	 * What a backend does with one request.
	 */
	enum Behaviour {

		DELAY, HANG, RESET, CLOSE

	}

	static final class Backend {

		final Map<Behaviour, AtomicInteger> counts = new ConcurrentHashMap<>();

		final DisposableServer server;

		Backend(String id) {
			for (Behaviour behaviour : Behaviour.values()) {
				this.counts.put(behaviour, new AtomicInteger());
			}
			this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				double roll = random.nextDouble();
				Behaviour behaviour = (roll < 0.7) ? Behaviour.DELAY
						: (roll < 0.8) ? Behaviour.HANG : (roll < 0.9) ? Behaviour.RESET : Behaviour.CLOSE;
				this.counts.get(behaviour).incrementAndGet();
				return switch (behaviour) {
					case DELAY -> Mono.delay(Duration.ofMillis(random.nextInt(51)))
						.then(response.header("X-Instance", id)
							.sendString(Mono.just(id), StandardCharsets.UTF_8)
							.then());
					case HANG -> Mono.delay(Duration.ofMillis(1200))
						.then(response.header("X-Instance", id)
							.sendString(Mono.just(id), StandardCharsets.UTF_8)
							.then());
					case RESET, CLOSE -> Mono.delay(Duration.ofMillis(random.nextInt(21)))
						.then(Mono.fromRunnable(() -> request.withConnection((connection) -> {
							if (behaviour == Behaviour.RESET) {
								connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
							}
							connection.channel().close();
						})));
				};
			}).bindNow();
		}

	}

}
