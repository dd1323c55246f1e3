package io.github.latencylb.sample;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts demo backends in the gateway's JVM (Reactor Netty on free loopback ports) and
 * registers them as the instances of service {@code demo} in simple discovery, so that
 * the sample runs with no other set-up. Every response carries
 * {@code X-Instance: <instance id>}. Off with {@code sample.demo-backends.enabled=false};
 * then {@code demo}'s instances come from
 * {@code spring.cloud.discovery.client.simple.instances.demo[i].*}.
 * <p>
 * Knobs: {@code sample.demo-backends.fast} (3), {@code .slow} (1), {@code .fast-delay}
 * (5ms), {@code .slow-delay} (50ms).
 */
public class DemoBackends implements EnvironmentPostProcessor, Ordered {

	/**
	 * Property naming the running set of backends, so that the context can stop them.
	 */
	static final String TOKEN_PROPERTY = "sample.demo-backends.token";

	private static final Log logger = LogFactory.getLog(DemoBackends.class);

	private static final Map<String, List<DisposableServer>> RUNNING = new ConcurrentHashMap<>();

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("sample.demo-backends.enabled", Boolean.class, true)
				|| environment.containsProperty(TOKEN_PROPERTY)) {
			return;
		}
		int fast = environment.getProperty("sample.demo-backends.fast", Integer.class, 3);
		int slow = environment.getProperty("sample.demo-backends.slow", Integer.class, 1);
		Duration fastDelay = environment.getProperty("sample.demo-backends.fast-delay", Duration.class,
				Duration.ofMillis(5));
		Duration slowDelay = environment.getProperty("sample.demo-backends.slow-delay", Duration.class,
				Duration.ofMillis(50));
		List<DisposableServer> servers = new ArrayList<>();
		Map<String, Object> properties = new LinkedHashMap<>();
		for (int i = 0; i < fast + slow; i++) {
			boolean isSlow = i >= fast;
			String id = "demo-" + (i + 1) + (isSlow ? "-slow" : "");
			DisposableServer server = start(id, isSlow ? slowDelay : fastDelay);
			servers.add(server);
			String prefix = "spring.cloud.discovery.client.simple.instances.demo[" + i + "].";
			properties.put(prefix + "uri", "http://127.0.0.1:" + server.port());
			properties.put(prefix + "instance-id", id);
			logger.info("Demo backend " + id + " on http://127.0.0.1:" + server.port() + " (delay "
					+ (isSlow ? slowDelay : fastDelay).toMillis() + " ms)");
		}
		String token = UUID.randomUUID().toString();
		RUNNING.put(token, servers);
		properties.put(TOKEN_PROPERTY, token);
		environment.getPropertySources().addFirst(new MapPropertySource("demoBackends", properties));
	}

	/**
	 * Start one backend.
	 * @param id its instance id
	 * @param delay its service time
	 * @return the running server
	 */
	public static DisposableServer start(String id, Duration delay) {
		return start(id, delay, 0);
	}

	/**
	 * Start one backend on a given port.
	 * @param id its instance id
	 * @param delay its service time
	 * @param port the port, 0 for any free one
	 * @return the running server
	 */
	public static DisposableServer start(String id, Duration delay, int port) {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle((request, response) -> Mono.delay(request.uri().startsWith("/health") ? Duration.ZERO : delay)
				.then(response.header("X-Instance", id)
					.header("Content-Type", "application/json")
					.sendString(Mono.just("{\"instance\":\"" + id + "\"}\n"), StandardCharsets.UTF_8)
					.then()))
			.bindNow();
	}

	/**
	 * Stop the backends started for a context.
	 * @param token the value of {@link #TOKEN_PROPERTY}
	 */
	static void stop(String token) {
		List<DisposableServer> servers = RUNNING.remove(token);
		if (servers != null) {
			servers.forEach(DisposableServer::disposeNow);
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
