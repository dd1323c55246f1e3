package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.List;

import io.github.latencylb.autoconfigure.BootLine;
import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.admission.AdmissionListener;
import io.github.latencylb.autoconfigure.admission.RetryGlobalFilter.RetryListener;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of {@link LatencyLbMetricsAutoConfiguration}.
 */
class LatencyLbMetricsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
				LatencyLbMetricsAutoConfiguration.class))
		.withConfiguration(BootLine.meterRegistry());

	@Test
	void runWhenMeterRegistryExistsShouldBindSchedulerMeters() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(SchedulerMeterBinder.class);
			assertThat(context).hasSingleBean(LatencyLbMetrics.class);
			context.getBean(SchedulerRegistry.class)
				.scheduler("orders")
				.updateInstances(List.of(new WeightedInstance("a", 1)));
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("latencylb.decisions")
				.tags("service", "orders", "reason", "keyless")
				.functionCounter()
				.count()).isZero();
			assertThat(registry.get("latencylb.instance.inflight")
				.tags("service", "orders", "instance", "a")
				.gauge()
				.value()).isZero();
		});
	}

	@Test
	void runWhenRecorderIsUsedShouldRegisterMetersInTheRegistry() {
		this.runner.run((context) -> {
			context.getBean(LatencyLbMetrics.class).recordRetry("orders", "retried");
			assertThat(context.getBean(MeterRegistry.class).get("latencylb.retries").counter().count()).isEqualTo(1);
		});
	}

	@Test
	void runWhenGatewayIsPresentShouldFeedAdmissionAndRetryOutcomesToTheRecorder() {
		this.runner.run((context) -> {
			context.getBean(AdmissionListener.class).rejected("orders", 0, AdmissionRejectedException.Cause.FULL);
			context.getBean(RetryListener.class).retry("orders", "budget-exhausted");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("latencylb.queue.rejections").tags("cause", "full").counter().count()).isEqualTo(1);
			assertThat(registry.get("latencylb.retries").tags("outcome", "budget-exhausted").counter().count())
				.isEqualTo(1);
		});
	}

	@Test
	void runWhenGatewayIsAbsentShouldNotRegisterListeners() {
		this.runner.withClassLoader(new FilteredClassLoader(GlobalFilter.class)).run((context) -> {
			assertThat(context).hasSingleBean(LatencyLbMetrics.class);
			assertThat(context).doesNotHaveBean(AdmissionListener.class);
			assertThat(context).doesNotHaveBean(RetryListener.class);
		});
	}

	@Test
	void runWhenNoMeterRegistryShouldNotRegisterMetrics() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class,
					LoadBalancerAutoConfiguration.class, LatencyLbMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(SchedulerRegistry.class);
				assertThat(context).doesNotHaveBean(SchedulerMeterBinder.class);
				assertThat(context).doesNotHaveBean(LatencyLbMetrics.class);
			});
	}

	@Test
	void runWhenMicrometerIsAbsentShouldNotRegisterMetrics() {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class,
					LoadBalancerAutoConfiguration.class, LatencyLbMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(SchedulerMeterBinder.class);
			});
	}

	@Test
	void runWhenLatencyLbIsDisabledShouldNotRegisterMetrics() {
		this.runner.withPropertyValues("latency-lb.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(SchedulerMeterBinder.class);
			assertThat(context).doesNotHaveBean(LatencyLbMetrics.class);
		});
	}

	@Test
	void runWhenUserDefinesRecorderShouldBackOff() {
		this.runner.withUserConfiguration(UserRecorder.class).run((context) -> {
			assertThat(context).hasSingleBean(LatencyLbMetrics.class);
			assertThat(context.getBean(LatencyLbMetrics.class)).isSameAs(LatencyLbMetrics.NONE);
		});
	}

	@Test
	void runWhenUserDefinesBinderShouldBackOff() {
		this.runner.withUserConfiguration(UserBinder.class)
			.run((context) -> assertThat(context).hasSingleBean(SchedulerMeterBinder.class).hasBean("myBinder"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserRecorder {

		@Bean
		LatencyLbMetrics myRecorder() {
			return LatencyLbMetrics.NONE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBinder {

		@Bean
		SchedulerMeterBinder myBinder(SchedulerRegistry schedulers) {
			return new SchedulerMeterBinder(schedulers,
					io.github.latencylb.autoconfigure.state.AdmissionStateProvider.NONE, Duration.ZERO);
		}

	}

}
