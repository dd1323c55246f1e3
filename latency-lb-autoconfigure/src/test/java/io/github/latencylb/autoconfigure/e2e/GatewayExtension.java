package io.github.latencylb.autoconfigure.e2e;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.util.ReflectionUtils;

/**
 * The set-up of an end-to-end test: loopback backends, started with the test class, that
 * become the instances of service {@code svc} in the gateway of a
 * {@link GatewayEndToEndTests}, and are stopped after the class. Declare it as a static
 * field: <pre class="code">
 * static final TestBackends backends = new TestBackends(2, Duration.ofMillis(1));
 *
 * &#64;RegisterExtension
 * static final GatewayExtension gateway = new GatewayExtension(backends);
 * </pre>
 */
final class GatewayExtension implements AfterAllCallback {

	private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

	private final LoopbackBackends backends;

	private final int registered;

	/**
	 * Register every backend as an instance.
	 * @param backends the backends, already listening
	 */
	GatewayExtension(LoopbackBackends backends) {
		this(backends, Integer.MAX_VALUE);
	}

	/**
	 * Register the first backends as instances; the others can join later.
	 * @param backends the backends, already listening
	 * @param registered how many of them are instances when the gateway starts
	 */
	GatewayExtension(LoopbackBackends backends, int registered) {
		this.backends = backends;
		this.registered = registered;
	}

	@Override
	public void afterAll(ExtensionContext context) {
		// Inherited by @Nested classes: the backends serve them all, until the outer
		// class is done.
		if (!AnnotationSupport.isAnnotated(context.getTestClass(), Nested.class)) {
			this.backends.close();
		}
	}

	/**
	 * Return the gateway's route and simple-discovery instances.
	 * @return the properties
	 */
	Map<String, Object> properties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put(ROUTE + "id", "svc");
		properties.put(ROUTE + "uri", "lb://svc");
		properties.put(ROUTE + "predicates[0]", "Path=/**");
		List<Integer> ports = this.backends.ports();
		for (int i = 0; i < Math.min(ports.size(), this.registered); i++) {
			properties.put("spring.cloud.discovery.client.simple.instances.svc[" + i + "].uri",
					"http://127.0.0.1:" + ports.get(i));
		}
		return properties;
	}

	private static GatewayExtension of(Class<?> testClass) {
		for (Class<?> type = testClass; type != null; type = type.getEnclosingClass()) {
			for (Field field : type.getDeclaredFields()) {
				if (Modifier.isStatic(field.getModifiers()) && field.getType() == GatewayExtension.class) {
					ReflectionUtils.makeAccessible(field);
					return (GatewayExtension) ReflectionUtils.getField(field, null);
				}
			}
		}
		throw new IllegalStateException(
				testClass.getName() + " is a @GatewayEndToEndTests without a static GatewayExtension field");
	}

	/**
	 * Adds the route and the instances of the test class's {@link GatewayExtension} to
	 * the gateway's environment, ahead of every other source.
	 */
	static final class RouteCustomizerFactory implements ContextCustomizerFactory {

		@Override
		public ContextCustomizer createContextCustomizer(Class<?> testClass,
				List<ContextConfigurationAttributes> configAttributes) {
			if (!MergedAnnotations.from(testClass, SearchStrategy.TYPE_HIERARCHY)
				.isPresent(GatewayEndToEndTests.class)) {
				return null;
			}
			return new RouteCustomizer(testClass);
		}

	}

	private static final class RouteCustomizer implements ContextCustomizer {

		private final Class<?> testClass;

		RouteCustomizer(Class<?> testClass) {
			this.testClass = testClass;
		}

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("latencyLbGatewayExtension", of(this.testClass).properties()));
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof RouteCustomizer customizer && customizer.testClass == this.testClass;
		}

		@Override
		public int hashCode() {
			return Objects.hashCode(this.testClass);
		}

	}

}
