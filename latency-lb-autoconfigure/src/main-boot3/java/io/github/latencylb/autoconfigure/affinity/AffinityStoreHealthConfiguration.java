package io.github.latencylb.autoconfigure.affinity;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health contributor {@code latencyLbPinStore}: always UP, with the store's state
 * ({@code up}, {@code down}, {@code connecting}), backlog and counts as details. A
 * gateway whose Redis is down still routes (on local pins), so it must stay in service.
 * The Boot 3 copy; the Boot 4 copy (latency-lb-autoconfigure-boot4) imports the health
 * API from its new package.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
class AffinityStoreHealthConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "latencyLbPinStoreHealthIndicator")
	HealthIndicator latencyLbPinStoreHealthIndicator(PinReplicator replicator) {
		return () -> Health.up().withDetails(replicator.details()).build();
	}

}
