package io.github.latencylb.autoconfigure.endpoint;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.admission.LatencyLbAdmissionAutoConfiguration;
import io.github.latencylb.autoconfigure.endpoint.LatencyLbEndpoint.InstanceDescriptor;
import io.github.latencylb.autoconfigure.endpoint.LatencyLbEndpoint.ServiceDescriptor;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.Permits;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of {@link LatencyLbEndpointAutoConfiguration}.
 */
class LatencyLbEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
				EndpointAutoConfiguration.class, LatencyLbEndpointAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=latencylb");

	@Test
	void runWhenEndpointIsExposedShouldRegisterIt() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LatencyLbEndpoint.class);
			assertThat(context).hasSingleBean(InstanceUriResolver.class);
			assertThat(context).doesNotHaveBean(AdmissionStateProvider.class);
		});
	}

	@Test
	void runWhenEndpointIsNotExposedShouldNotRegisterIt() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health").run((context) -> {
			assertThat(context).doesNotHaveBean(LatencyLbEndpoint.class);
			assertThat(context).doesNotHaveBean(InstanceUriResolver.class);
		});
	}

	@Test
	void runWhenEndpointAccessIsNoneShouldNotRegisterIt() {
		this.runner.withPropertyValues("management.endpoint.latencylb.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(LatencyLbEndpoint.class));
	}

	@Test
	void runWhenLatencyLbIsDisabledShouldNotRegisterIt() {
		this.runner.withPropertyValues("latency-lb.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LatencyLbEndpoint.class));
	}

	@Test
	void runWhenActuatorIsAbsentShouldNotRegisterIt() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(LatencyLbEndpoint.class));
	}

	@Test
	void runWhenUserDefinesEndpointShouldBackOff() {
		this.runner.withUserConfiguration(UserEndpoint.class).run((context) -> {
			assertThat(context).hasSingleBean(LatencyLbEndpoint.class);
			assertThat(context).hasBean("myEndpoint");
		});
	}

	@Test
	void runWhenAdmissionStateProviderExistsShouldShowItsState() {
		this.runner.withUserConfiguration(Admission.class).run((context) -> {
			context.getBean(SchedulerRegistry.class)
				.scheduler("orders")
				.updateInstances(List.of(new WeightedInstance("a", 1)));
			LatencyLbEndpoint endpoint = context.getBean(LatencyLbEndpoint.class);
			assertThat(endpoint.service("orders").retryBudgetLeft()).isEqualTo(3.0);
		});
	}

	@Test
	void runWhenAdmissionIsOnShouldShowQueuesAndBulkheads() {
		this.runner.withConfiguration(AutoConfigurations.of(LatencyLbAdmissionAutoConfiguration.class))
			.withPropertyValues("latency-lb.bulkhead.max-concurrent-calls=7")
			.run((context) -> {
				assertThat(context).hasSingleBean(AdmissionStateProvider.class);
				context.getBean(SchedulerRegistry.class)
					.scheduler("orders")
					.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)));
				PriorityAdmissionQueue queue = context.getBean(AdmissionRegistry.class).queue("orders", "a");
				assertThat(queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE).granted().isDone()).isTrue();
				ServiceDescriptor service = context.getBean(LatencyLbEndpoint.class).service("orders");
				InstanceDescriptor a = service.instances().get(0);
				assertThat(a.bulkhead()).isEqualTo(new Permits(6, 7));
				assertThat(a.queueLengths()).isEmpty();
				assertThat(service.instances().get(1).bulkhead()).isNull();
				assertThat(service.retryBudgetLeft()).isNull();
			});
	}

	@Test
	void runWhenAdmissionIsOffShouldShowNoAdmissionState() {
		this.runner.withConfiguration(AutoConfigurations.of(LatencyLbAdmissionAutoConfiguration.class))
			.withPropertyValues("latency-lb.bulkhead.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(AdmissionStateProvider.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserEndpoint {

		@Bean
		LatencyLbEndpoint myEndpoint(SchedulerRegistry registry) {
			return new LatencyLbEndpoint(registry, (serviceId) -> Map.of(), AdmissionStateProvider.NONE);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Admission {

		@Bean
		AdmissionStateProvider admissionStateProvider() {
			return new AdmissionStateProvider() {

				@Override
				public OptionalDouble retryBudgetLeft(String serviceId) {
					return OptionalDouble.of(3);
				}

			};
		}

	}

}
