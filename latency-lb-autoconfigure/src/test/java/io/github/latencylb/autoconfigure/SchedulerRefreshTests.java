package io.github.latencylb.autoconfigure;

import java.util.Set;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.Scheduler;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run-time change of {@code latency-lb.*} properties swaps the running schedulers'
 * configuration; other changes and invalid values leave it alone.
 */
class SchedulerRefreshTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class));

	@Test
	void environmentChangeShouldReconfigureRunningSchedulers() {
		this.runner.withPropertyValues("latency-lb.fallback.candidates=4").run((context) -> {
			Scheduler orders = context.getBean(SchedulerRegistry.class).scheduler("orders");
			assertThat(orders.config().fallback().candidates()).isEqualTo(4);
			TestPropertyValues.of("latency-lb.fallback.candidates=6").applyTo(context);
			context.publishEvent(new EnvironmentChangeEvent(context, Set.of("other.key")));
			assertThat(orders.config().fallback().candidates()).isEqualTo(4);
			context.publishEvent(new EnvironmentChangeEvent(context, Set.of("latency-lb.fallback.candidates")));
			assertThat(orders.config().fallback().candidates()).isEqualTo(6);
			TestPropertyValues.of("latency-lb.fallback.candidates=0").applyTo(context);
			context.publishEvent(new EnvironmentChangeEvent(context, Set.of("latency-lb.fallback.candidates")));
			assertThat(orders.config().fallback().candidates()).isEqualTo(6);
		});
	}

}
