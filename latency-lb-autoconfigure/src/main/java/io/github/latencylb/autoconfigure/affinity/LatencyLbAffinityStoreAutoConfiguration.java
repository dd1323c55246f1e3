package io.github.latencylb.autoconfigure.affinity;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.LatencyLbProperties;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Shares pins between gateway replicas through Redis when
 * {@code latency-lb.affinity.store=redis}: a {@link PinReplicator} on Spring Boot's
 * reactive Redis connection ({@code spring.data.redis.*}), its health contributor and
 * meters. Boot's Redis auto-configuration is referred to by name: its package differs
 * between Boot 3 and Boot 4. Start-up fails, naming the property, when the store is redis
 * but Spring Data Redis is missing.
 */
@AutoConfiguration(after = LatencyLbAutoConfiguration.class,
		afterName = { "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
				"org.springframework.boot.autoconfigure.data.redis.RedisReactiveAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" })
@ConditionalOnProperty(prefix = LatencyLbProperties.PREFIX + ".affinity", name = "store", havingValue = "redis")
@ConditionalOnBean(SchedulerRegistry.class)
public final class LatencyLbAffinityStoreAutoConfiguration {

	private static final String REDIS_CLASS = "org.springframework.data.redis.connection.ReactiveRedisConnectionFactory";

	private static final String NEEDS_REDIS = "latency-lb.affinity.store=redis needs Spring Data Redis reactive "
			+ "(add spring-boot-starter-data-redis-reactive) and a Redis connection (spring.data.redis.*)";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = REDIS_CLASS)
	@Import({ AffinityStoreHealthConfiguration.class, PinReplicatorMeterBinder.Registration.class })
	static class RedisStoreConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		PinReplicator latencyLbPinReplicator(ObjectProvider<ReactiveRedisConnectionFactory> connectionFactory,
				SchedulerRegistry registry, LatencyLbProperties properties) {
			ReactiveRedisConnectionFactory factory = connectionFactory.getIfAvailable();
			if (factory == null) {
				throw new IllegalStateException(NEEDS_REDIS);
			}
			var redis = properties.getAffinity().getRedis();
			PinReplicator replicator = new PinReplicator(
					new RedisPinStore(factory, redis.getKeyPrefix(), redis.getTimeout()), registry,
					redis.getBatchInterval(), redis.getMaxBacklog(), properties.getAffinity().getIdleTimeout());
			replicator.start();
			return replicator;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass(REDIS_CLASS)
	static class MissingRedisConfiguration {

		@Bean
		Object latencyLbPinStoreMissing() {
			throw new IllegalStateException(NEEDS_REDIS);
		}

	}

}
