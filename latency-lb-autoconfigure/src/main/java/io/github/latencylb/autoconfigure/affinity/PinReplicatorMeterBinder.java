package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Meters of pin sharing: {@code latencylb.affinity.store.up} (1 when Redis answers),
 * {@code latencylb.affinity.replication.lag} (from a change on one replica to its
 * application here; p50 and p99 published), {@code latencylb.affinity.dropped},
 * {@code latencylb.affinity.published}, {@code latencylb.affinity.received} and
 * {@code latencylb.affinity.backlog}.
 */
class PinReplicatorMeterBinder implements MeterBinder {

	private final PinReplicator replicator;

	PinReplicatorMeterBinder(PinReplicator replicator) {
		this.replicator = replicator;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		PinReplicator r = this.replicator;
		Gauge.builder("latencylb.affinity.store.up", r, (p) -> (p.state() == PinReplicator.State.UP) ? 1 : 0)
			.description("Whether the shared pin store (Redis) answers")
			.register(registry);
		Gauge.builder("latencylb.affinity.backlog", r, PinReplicator::backlog)
			.description("Pin changes waiting to be published")
			.register(registry);
		FunctionCounter.builder("latencylb.affinity.dropped", r, PinReplicator::dropped)
			.description("Pin changes dropped because the backlog was full")
			.register(registry);
		FunctionCounter.builder("latencylb.affinity.published", r, PinReplicator::published)
			.description("Pin changes and touches written and published")
			.register(registry);
		FunctionCounter.builder("latencylb.affinity.received", r, PinReplicator::received)
			.description("Pin changes and touches received from other replicas")
			.register(registry);
		Timer lag = Timer.builder("latencylb.affinity.replication.lag")
			.description("From a pin change on another replica to its application here")
			.publishPercentiles(0.5, 0.99)
			.register(registry);
		r.setLagListener((millis) -> lag.record(Duration.ofMillis(millis)));
	}

	/**
	 * Registers the binder when Micrometer is present.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class Registration {

		@Bean
		PinReplicatorMeterBinder latencyLbPinReplicatorMeterBinder(PinReplicator replicator) {
			return new PinReplicatorMeterBinder(replicator);
		}

	}

}
