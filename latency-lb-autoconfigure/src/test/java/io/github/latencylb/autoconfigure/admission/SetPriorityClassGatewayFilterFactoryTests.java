package io.github.latencylb.autoconfigure.admission;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.admission.PriorityClassifier.Classification;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SetPriorityClassGatewayFilterFactory}: the route filter
 * {@code SetPriorityClass=<class>[,<offset>]} overrides the global classification.
 */
class SetPriorityClassGatewayFilterFactoryTests {

	static final DisposableServer backend = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request, response) -> response.sendString(Mono.just("ok"), StandardCharsets.UTF_8))
		.bindNow();

	private final SetPriorityClassGatewayFilterFactory factory = new SetPriorityClassGatewayFilterFactory();

	@AfterAll
	static void stopBackend() {
		backend.disposeNow();
	}

	@Test
	void shortcutFieldOrderShouldBeClassThenOffset() {
		assertThat(this.factory.shortcutFieldOrder()).containsExactly("priorityClass", "offset");
		assertThat(this.factory.name()).isEqualTo("SetPriorityClass");
	}

	@Test
	void applyShouldSetClassAndOffsetThatTheGlobalClassifierThenKeeps() {
		GatewayFilter filter = this.factory.apply(config(-10, 3));
		MockServerWebExchange exchange = lbExchange(
				MockServerHttpRequest.get("/x").header("User-Agent", "kube-probe/1.29"));
		PriorityClassifier classifier = new PriorityClassifier(new AdmissionProperties.Priority());
		Map<String, Object> seen = new ConcurrentHashMap<>();
		// Route filters run before the global filter that classifies, as in the gateway.
		filter.filter(exchange, (e1) -> {
			Classification classification = classifier.classify(e1.getRequest());
			LatencyLbRequestContext.of(e1)
				.getPriority()
				.classify(classification.priorityClass(), classification.offset(), classification.healthCheck());
			return capture(seen).filter(e1);
		}).block(Duration.ofSeconds(1));
		assertThat(seen).containsEntry("class", -10).containsEntry("offset", 3);
	}

	@Test
	void applyWithoutOffsetShouldSetOffsetZero() {
		MockServerWebExchange exchange = lbExchange(MockServerHttpRequest.get("/x"));
		Map<String, Object> seen = new ConcurrentHashMap<>();
		this.factory.apply(config(5, 0)).filter(exchange, capture(seen)).block(Duration.ofSeconds(1));
		assertThat(seen).containsEntry("class", 5).containsEntry("offset", 0);
	}

	@Test
	void applyWhenTheRouteIsNotLoadBalancedShouldPassThrough() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
		Map<String, Object> seen = new ConcurrentHashMap<>();
		this.factory.apply(config(5, 0)).filter(exchange, (e) -> {
			seen.putAll(e.getAttributes());
			return Mono.empty();
		}).block(Duration.ofSeconds(1));
		assertThat(seen).doesNotContainKey(LatencyLbRequestContext.ATTRIBUTE);
	}

	private static MockServerWebExchange lbExchange(MockServerHttpRequest.BaseBuilder<?> request) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		exchange.getAttributes().put(LatencyLbRequestContext.ATTRIBUTE, new LatencyLbRequestContext(true));
		return exchange;
	}

	@Test
	void applyWhenClassIsOutOfRangeShouldFail() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.factory.apply(config(2048, 0)))
			.withMessageContaining("2048");
		assertThatIllegalArgumentException().isThrownBy(() -> this.factory.apply(config(-2048, 0)));
		assertThat(this.factory.apply(config(-2047, 0))).isNotNull();
		assertThat(this.factory.apply(config(2047, 0))).isNotNull();
	}

	private static SetPriorityClassGatewayFilterFactory.Config config(int priorityClass, int offset) {
		SetPriorityClassGatewayFilterFactory.Config config = new SetPriorityClassGatewayFilterFactory.Config();
		config.setPriorityClass(priorityClass);
		config.setOffset(offset);
		return config;
	}

	private static GatewayFilterChain capture(Map<String, Object> seen) {
		return (exchange) -> {
			LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
			seen.put("class", context.getPriority().getPriorityClass());
			seen.put("offset", context.getPriority().getOffset());
			return Mono.empty();
		};
	}

	/**
	 * The filter in real routes configured with its shortcut in properties, in a gateway
	 * on a random port.
	 */
	@Nested
	@SpringBootTest(classes = RouteTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@DirtiesContext
	class InRoutes {

		@LocalServerPort
		int port;

		@Autowired
		ClassificationCapture capture;

		@DynamicPropertySource
		static void properties(DynamicPropertyRegistry registry) {
			String[] routes = { "p5", "Path=/p5/**", "SetPriorityClass=5", "p10", "Path=/p10/**",
					"SetPriorityClass=-10,3", "plain", "Path=/**", null };
			for (int i = 0; i < routes.length / 3; i++) {
				String prefix = "spring.cloud.gateway.server.webflux.routes[" + i + "].";
				String id = routes[3 * i];
				String predicate = routes[3 * i + 1];
				String filter = routes[3 * i + 2];
				registry.add(prefix + "id", () -> id);
				registry.add(prefix + "uri", () -> "lb://svc");
				registry.add(prefix + "predicates[0]", () -> predicate);
				if (filter != null) {
					registry.add(prefix + "filters[0]", () -> filter);
				}
			}
			registry.add("spring.cloud.discovery.client.simple.instances.svc[0].uri",
					() -> "http://127.0.0.1:" + backend.port());
			registry.add("spring.cloud.loadbalancer.cache.enabled", () -> "false");
			// User agents grant no priority by default: list the checker's.
			registry.add("latency-lb.priority.health-check-user-agents[0]", () -> "kube-probe/*");
			// A rule that would classify /p10/** otherwise.
			registry.add("latency-lb.priority.rules[0].paths[0]", () -> "/p10/**");
			registry.add("latency-lb.priority.rules[0].priority-class", () -> "700");
			registry.add("latency-lb.priority.rules[0].offset", () -> "9");
		}

		@Test
		void routeFilterShouldOverrideHealthCheckRuleAndDefaultClassification() {
			WebTestClient client = WebTestClient.bindToServer()
				.baseUrl("http://127.0.0.1:" + this.port)
				.responseTimeout(Duration.ofSeconds(10))
				.build();
			get(client, "/p5/a", "curl/8");
			get(client, "/p5/b", "kube-probe/1.29");
			get(client, "/p10/c", "curl/8");
			get(client, "/d", "curl/8");
			get(client, "/e", "kube-probe/1.29");
			get(client, "/healthz", "curl/8");
			assertThat(this.capture.seen).containsEntry("/p5/a", new Classification(5, 0, false))
				.containsEntry("/p5/b", new Classification(5, 0, true))
				.containsEntry("/p10/c", new Classification(-10, 3, false))
				.containsEntry("/d", new Classification(0, 0, false))
				.containsEntry("/e", new Classification(-2047, 0, true))
				.containsEntry("/healthz", new Classification(-2047, 0, true));
		}

		private static void get(WebTestClient client, String path, String agent) {
			client.get().uri(path).header("User-Agent", agent).exchange().expectStatus().isOk();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class RouteTestApplication {

		@Bean
		ClassificationCapture classificationCapture() {
			return new ClassificationCapture();
		}

	}

	/**
	 * Records the classification each request reached the load balancer with.
	 */
	static class ClassificationCapture implements GlobalFilter, Ordered {

		final Map<String, Classification> seen = new ConcurrentHashMap<>();

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
			this.seen.put(exchange.getRequest().getPath().value(),
					new Classification(context.getPriority().getPriorityClass(), context.getPriority().getOffset(),
							context.getPriority().isHealthCheck()));
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			// After the filter that classifies, before the load balancer.
			return RetryGlobalFilter.ORDER + 1;
		}

	}

}
