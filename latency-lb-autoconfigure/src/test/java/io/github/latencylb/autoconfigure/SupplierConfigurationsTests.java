package io.github.latencylb.autoconfigure;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up check of {@code spring.cloud.loadbalancer.configurations}: the affinity
 * configurations and a health check that emits partial lists fail start-up saying what to
 * use instead; everything else starts.
 */
class SupplierConfigurationsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class));

	@Test
	void sameInstancePreferenceShouldFailStartUpNamingTheAlternative() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.configurations=same-instance-preference")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(messages(context.getStartupFailure()))
					.contains("spring.cloud.loadbalancer.configurations=same-instance-preference")
					.contains("latency-lb.affinity.cookie-names");
			});
	}

	@Test
	void requestBasedStickySessionForOneServiceShouldFailStartUpNamingIt() {
		this.runner
			.withPropertyValues("spring.cloud.loadbalancer.clients.cart.configurations=request-based-sticky-session")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(messages(context.getStartupFailure()))
					.contains("spring.cloud.loadbalancer.clients.cart.configurations=request-based-sticky-session")
					.contains("latency-lb.affinity.cookie-names");
			});
	}

	@Test
	void healthCheckWithGrowingListsShouldFailStartUpNamingTheFix() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.configurations=health-check").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure()))
				.contains("spring.cloud.loadbalancer.health-check.update-results-list=false");
		});
	}

	@Test
	void healthCheckWithWholeListsShouldStart() {
		this.runner
			.withPropertyValues("spring.cloud.loadbalancer.configurations=health-check",
					"spring.cloud.loadbalancer.health-check.update-results-list=false")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void healthCheckWithGrowingListsForOneServiceShouldFailStartUp() {
		this.runner
			.withPropertyValues("spring.cloud.loadbalancer.configurations=health-check",
					"spring.cloud.loadbalancer.health-check.update-results-list=false",
					"spring.cloud.loadbalancer.clients.cart.health-check.update-results-list=true")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(messages(context.getStartupFailure()))
					.contains("spring.cloud.loadbalancer.clients.cart.configurations=health-check");
			});
	}

	@Test
	void filteringAndWeightedConfigurationsShouldStart() {
		for (String configuration : new String[] { "default", "zone-preference", "subset", "weighted" }) {
			this.runner.withPropertyValues("spring.cloud.loadbalancer.configurations=" + configuration)
				.run((context) -> assertThat(context).as(configuration).hasNotFailed());
		}
	}

	@Test
	void serviceOverridingARefusedGlobalValueStillFailsForTheOtherServices() {
		this.runner
			.withPropertyValues("spring.cloud.loadbalancer.configurations=same-instance-preference",
					"spring.cloud.loadbalancer.clients.cart.configurations=default")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void negativeSettlePeriodShouldFailStartUpNamingIt() {
		this.runner.withPropertyValues("latency-lb.slow-start.settle-period=-1s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure())).contains("slowStart.settlePeriod");
		});
	}

	@Test
	void settlePeriodShouldBeSettablePerService() {
		this.runner.withPropertyValues("latency-lb.services.payments.slow-start.settle-period=0s").run((context) -> {
			SchedulerRegistry registry = context.getBean(SchedulerRegistry.class);
			assertThat(registry.scheduler("payments").config().slowStartSettlePeriod()).isZero();
			assertThat(registry.scheduler("orders").config().slowStartSettlePeriod()).hasSeconds(10);
		});
	}

	private static String messages(Throwable failure) {
		StringBuilder messages = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			messages.append(t.getMessage()).append('\n');
		}
		return messages.toString();
	}

}
