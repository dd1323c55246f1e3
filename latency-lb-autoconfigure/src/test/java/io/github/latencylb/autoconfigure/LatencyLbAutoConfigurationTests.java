package io.github.latencylb.autoconfigure;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of {@link LatencyLbAutoConfiguration} with Spring Cloud LoadBalancer's child
 * contexts.
 */
class LatencyLbAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class));

	@Test
	void runWhenDefaultShouldScheduleEveryServiceWithItsOwnScheduler() {
		this.runner.run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			ReactorServiceInstanceLoadBalancer a = factory.getInstance("alpha",
					ReactorServiceInstanceLoadBalancer.class);
			ReactorServiceInstanceLoadBalancer b = factory.getInstance("beta",
					ReactorServiceInstanceLoadBalancer.class);
			assertThat(a).isInstanceOf(LatencyAwareLoadBalancer.class);
			assertThat(b).isInstanceOf(LatencyAwareLoadBalancer.class);
			assertThat(((LatencyAwareLoadBalancer) a).getScheduler().serviceId()).isEqualTo("alpha");
			assertThat(((LatencyAwareLoadBalancer) b).getScheduler().serviceId()).isEqualTo("beta");
			assertThat(context.getBean(SchedulerRegistry.class).schedulers()).containsOnlyKeys("alpha", "beta");
			// Nothing in the application context that would serve every service.
			assertThat(context).doesNotHaveBean(ReactorLoadBalancer.class);
		});
	}

	@Test
	void runWhenUserConfiguresOneServiceShouldKeepTheirLoadBalancerForIt() {
		this.runner.withUserConfiguration(UserRoundRobinForCustom.class).run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstance("custom", ReactorServiceInstanceLoadBalancer.class))
				.isInstanceOf(RoundRobinLoadBalancer.class);
			assertThat(factory.getInstance("other", ReactorServiceInstanceLoadBalancer.class))
				.isInstanceOf(LatencyAwareLoadBalancer.class);
		});
	}

	@Test
	void runWhenDisabledShouldLeaveRoundRobinInPlace() {
		this.runner.withPropertyValues("latency-lb.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(SchedulerRegistry.class);
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstance("alpha", ReactorServiceInstanceLoadBalancer.class))
				.isInstanceOf(RoundRobinLoadBalancer.class);
		});
	}

	@Test
	void runWhenPropertyIsInvalidShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.fallback.latency-factor=0.5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("latency-lb");
			assertThat(allMessages(context.getStartupFailure())).contains("fallback.latencyFactor").contains("0.5");
		});
	}

	@Test
	void runWhenServiceOverrideIsInvalidShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.services.payments.fallback.candidates=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("services[payments].fallback.candidates");
		});
	}

	@Test
	void runWhenSlownessOrWaitBudgetPropertyIsInvalidShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.slowness.threshold=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("slowness.threshold");
		});
		this.runner.withPropertyValues("latency-lb.fallback.wait-budget-factor=-1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("fallback.waitBudgetFactor");
		});
		this.runner.withPropertyValues("latency-lb.slowness.clear-threshold=9").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("slowness.clear-threshold");
		});
	}

	@Test
	void runWhenCombinationIsInvalidShouldFailNamingTheService() {
		this.runner.withPropertyValues("latency-lb.services.payments.ejection.max-time=1s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("latency-lb.services[payments]")
				.contains("maxEjectionTime");
		});
	}

	@Test
	void runWhenServiceHasOverridesShouldApplyThemToThatServiceOnly() {
		this.runner
			.withPropertyValues("latency-lb.fallback.candidates=4",
					"latency-lb.services.payments.fallback.candidates=6",
					"latency-lb.services.payments.affinity.idle-timeout=5m")
			.run((context) -> {
				SchedulerRegistry registry = context.getBean(SchedulerRegistry.class);
				assertThat(registry.scheduler("payments").config().candidates()).isEqualTo(6);
				assertThat(registry.scheduler("payments").config().idleTimeout()).hasMinutes(5);
				assertThat(registry.scheduler("orders").config().candidates()).isEqualTo(4);
				assertThat(registry.scheduler("orders").config().idleTimeout()).hasMinutes(30);
			});
	}

	@Test
	void runShouldBoundTheFlowTableForTheWholeGateway() {
		this.runner.withPropertyValues("latency-lb.affinity.max-flows=5000").run((context) -> {
			SchedulerRegistry registry = context.getBean(SchedulerRegistry.class);
			assertThat(registry.flows().maxFlows()).isEqualTo(5000);
		});
	}

	@Test
	void runWhenServiceOverridesMaxFlowsShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.services.payments.affinity.max-flows=1000").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure()))
				.contains("latency-lb.services[payments].affinity.max-flows")
				.contains("latency-lb.affinity.max-flows");
		});
	}

	@Test
	void runWhenMaxMovesPerSecondIsInfiniteShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.fallback.max-moves-per-second=Infinity").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("fallback.maxMovesPerSecond");
		});
		this.runner.withPropertyValues("latency-lb.services.payments.fallback.max-moves-per-second=Infinity")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(allMessages(context.getStartupFailure()))
					.contains("services[payments].fallback.maxMovesPerSecond");
			});
	}

	private static String allMessages(Throwable failure) {
		StringBuilder messages = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			messages.append(t.getMessage()).append('\n');
		}
		return messages.toString();
	}

	@Configuration(proxyBeanMethods = false)
	@LoadBalancerClient(name = "custom", configuration = RoundRobinConfiguration.class)
	static class UserRoundRobinForCustom {

	}

	static class RoundRobinConfiguration {

		@Bean
		ReactorLoadBalancer<ServiceInstance> roundRobin(Environment environment,
				ObjectProvider<ServiceInstanceListSupplier> suppliers) {
			return new RoundRobinLoadBalancer(suppliers,
					environment.getRequiredProperty(LoadBalancerClientFactory.PROPERTY_NAME));
		}

	}

}
