package io.github.latencylb.autoconfigure.affinity;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Wiring of {@link LatencyLbAffinityStoreAutoConfiguration}: nothing with the default
 * memory store; with {@code store=redis} a replicator on Boot's Redis connection, a
 * health contributor that stays UP and shows the store's state, and meters; start-up
 * fails naming the property when Spring Data Redis is missing or a value is invalid.
 */
class LatencyLbAffinityStoreAutoConfigurationTests {

	static RedisServerProcess redis;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
				LatencyLbAffinityStoreAutoConfiguration.class))
		.withConfiguration(AutoConfigurations.of(bootRedisAutoConfigurations()))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new);

	/**
	 * Boot's Redis auto-configurations, by name: their package differs on Boot 4.
	 */
	private static Class<?>[] bootRedisAutoConfigurations() {
		java.util.List<Class<?>> found = new java.util.ArrayList<>();
		for (String name : new String[] { "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
				"org.springframework.boot.autoconfigure.data.redis.RedisReactiveAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" }) {
			try {
				found.add(Class.forName(name));
			}
			catch (ClassNotFoundException ex) {
				// The other Boot line.
			}
		}
		assertThat(found).hasSize(2);
		return found.toArray(Class<?>[]::new);
	}

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void runWhenStoreIsMemoryShouldShareNothing() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(PinReplicator.class));
	}

	@Test
	void runWhenStoreIsRedisShouldConnectAndReportItsState() {
		this.runner
			.withPropertyValues("latency-lb.affinity.store=redis", "spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=" + redis.port())
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(PinReplicator.class);
				PinReplicator replicator = context.getBean(PinReplicator.class);
				await().until(() -> replicator.state() == PinReplicator.State.UP);
				assertThat(context).hasBean("latencyLbPinStoreHealthIndicator");
				assertThat(replicator.details()).containsEntry("state", "up").containsEntry("store", "redis");
			});
	}

	@Test
	void runWhenRedisIsUnreachableShouldStayUpAndShowTheStoreDown() {
		this.runner
			.withPropertyValues("latency-lb.affinity.store=redis", "spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=1", "latency-lb.affinity.redis.timeout=200ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				PinReplicator replicator = context.getBean(PinReplicator.class);
				await().until(() -> replicator.state() == PinReplicator.State.DOWN);
				// The health endpoint's view (UP, state down) is checked end to end in
				// ScaleOutEndToEndTests.
				assertThat(replicator.details()).containsEntry("state", "down").containsKey("error");
				// Meters bound by Boot in a real app; bound by hand here.
				MeterRegistry meters = new SimpleMeterRegistry();
				new PinReplicatorMeterBinder(replicator).bindTo(meters);
				assertThat(meters.get("latencylb.affinity.store.up").gauge().value()).isZero();
				assertThat(meters.get("latencylb.affinity.dropped").functionCounter().count()).isZero();
				assertThat(meters.find("latencylb.affinity.replication.lag").timer()).isNotNull();
			});
	}

	@Test
	void runWhenStoreIsRedisWithoutSpringDataRedisShouldFailNamingTheProperty() {
		this.runner.withClassLoader(new FilteredClassLoader(ReactiveRedisConnectionFactory.class))
			.withPropertyValues("latency-lb.affinity.store=redis")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("latency-lb.affinity.store=redis")
				.hasMessageContaining("spring-boot-starter-data-redis-reactive"));
	}

	@Test
	void runWhenAValueIsInvalidShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.affinity.store=redis", "latency-lb.affinity.redis.key-prefix=a b")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("affinity.redis.keyPrefix"));
		this.runner.withPropertyValues("latency-lb.affinity.store=sqlite")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("latency-lb.affinity.store"));
		this.runner.withPropertyValues("latency-lb.affinity.redis.max-backlog=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("affinity.redis.maxBacklog"));
	}

}
