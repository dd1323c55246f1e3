package io.github.latencylb.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.latencylb.core.AffinityConfig;
import io.github.latencylb.core.BoundedLoadConfig;
import io.github.latencylb.core.CusumConfig;
import io.github.latencylb.core.EjectionConfig;
import io.github.latencylb.core.FallbackConfig;
import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.FlowWaitConfig;
import io.github.latencylb.core.LatencyConfig;
import io.github.latencylb.core.MovesConfig;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.RingConfig;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.SlowStartConfig;
import io.github.latencylb.core.SlownessConfig;
import io.github.latencylb.core.admission.AdmissionConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link CoreConfigMapping}: the properties' defaults are the core's defaults (scheduler
 * part by part, admission, retry, flow keys), and each property lands in its part.
 */
class CoreConfigMappingTests {

	@Test
	void defaultsOfFreshPropertiesShouldBeTheCoreDefaultsPartByPart() {
		SchedulerConfig mapped = CoreConfigMapping.scheduler(new ServiceProperties());
		assertThat(mapped.ring()).isEqualTo(RingConfig.ofDefaults());
		assertThat(mapped.boundedLoad()).isEqualTo(BoundedLoadConfig.ofDefaults());
		assertThat(mapped.latency()).isEqualTo(LatencyConfig.ofDefaults());
		assertThat(mapped.slowness()).isEqualTo(SlownessConfig.ofDefaults());
		assertThat(mapped.fallback()).isEqualTo(FallbackConfig.ofDefaults());
		assertThat(mapped.moves()).isEqualTo(MovesConfig.ofDefaults());
		assertThat(mapped.affinity()).isEqualTo(AffinityConfig.ofDefaults());
		assertThat(mapped.slowStart()).isEqualTo(SlowStartConfig.ofDefaults());
		assertThat(mapped.ejection()).isEqualTo(EjectionConfig.ofDefaults());
		assertThat(mapped.cusum()).isEqualTo(CusumConfig.ofDefaults());
		assertThat(mapped.flowWait()).isEqualTo(FlowWaitConfig.ofDefaults());
		assertThat(mapped).isEqualTo(SchedulerConfig.ofDefaults());
	}

	@Test
	void globalPropertiesDefaultsShouldBeTheCoreDefaultsToo() {
		LatencyLbProperties global = new LatencyLbProperties();
		assertThat(CoreConfigMapping.affinity(global.getAffinity())).isEqualTo(AffinityConfig.ofDefaults());
		assertThat(CoreConfigMapping.ring(global.getRing())).isEqualTo(RingConfig.ofDefaults());
	}

	@Test
	void admissionRetryAndFlowKeyDefaultsShouldBeTheCoreDefaults() {
		LatencyLbProperties properties = new LatencyLbProperties();
		assertThat(CoreConfigMapping.admission(properties)).isEqualTo(AdmissionConfig.ofDefaults());
		assertThat(CoreConfigMapping.retry(properties)).isEqualTo(RetryConfig.ofDefaults());
		assertThat(CoreConfigMapping.flowKeys(properties)).isEqualTo(FlowKeyConfig.ofDefaults());
	}

	@Test
	void admissionRetryAndFlowKeyPropertiesShouldEachLandInTheirPart() {
		LatencyLbProperties properties = new LatencyLbProperties();
		properties.getBulkhead().setMaxConcurrentCalls(7);
		properties.getBulkhead().setMaxConcurrentStreams(3);
		properties.getQueue().setMaxLength(11);
		properties.getQueue().setTimeout(Duration.ofMillis(250));
		properties.getQueue().setOverflowMinLength(2);
		properties.getPriority().setHealthCheckQueueTimeout(Duration.ofSeconds(9));
		assertThat(CoreConfigMapping.admission(properties))
			.isEqualTo(new AdmissionConfig(7, 3, 11, Duration.ofMillis(250), 2, Duration.ofSeconds(9)));
		properties.getRetry().setMaxAttempts(4);
		properties.getRetry().setStatuses(List.of(500));
		properties.getRetry().setBudgetRatio(0.5);
		properties.getRetry().setMinRetriesPerSecond(1);
		properties.getRetry().setMaxBodyBytes(10);
		assertThat(CoreConfigMapping.retry(properties)).isEqualTo(new RetryConfig(4, Set.of(500), 0.5, 1, 10));
		properties.getAffinity().setCookieNames(List.of("S"));
		properties.getAffinity().setHeaderNames(List.of("X-User"));
		properties.getAffinity().setClientIp(true);
		properties.getAffinity().setMaxKeyLength(64);
		assertThat(CoreConfigMapping.flowKeys(properties))
			.isEqualTo(new FlowKeyConfig(List.of("S"), List.of("X-User"), true, 64));
	}

	@Test
	void aServiceShouldOverlayItsKnobsOnTheGlobalOnes() {
		Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("latency-lb.fallback.candidates", "5",
				"latency-lb.services.orders.fallback.latency-factor", "3.5",
				"latency-lb.services.orders.slow-start.settle-period", "0s", "latency-lb.ejection.max-percent", "20")));
		SchedulerConfig orders = CoreConfigMapping.scheduler(binder, "orders");
		assertThat(orders.fallback()).isEqualTo(new FallbackConfig(5, 0.10));
		assertThat(orders.slowness().latencyFactor()).isEqualTo(3.5);
		assertThat(orders.slowStart().settlePeriod()).isEqualTo(Duration.ZERO);
		assertThat(orders.ejection().maxPercent()).isEqualTo(20);
		SchedulerConfig global = CoreConfigMapping.scheduler(binder, null);
		assertThat(global.slowness()).isEqualTo(SlownessConfig.ofDefaults());
		assertThat(global.fallback().candidates()).isEqualTo(5);
	}

	@Test
	void slownessAndWaitBudgetPropertiesShouldLandInTheirParts() {
		Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("latency-lb.slowness.reference-ratio",
				"2.5", "latency-lb.slowness.threshold", "6", "latency-lb.slowness.clear-threshold", "1",
				"latency-lb.slowness.outstanding-factor", "4", "latency-lb.fallback.wait-budget-factor", "3",
				"latency-lb.services.orders.fallback.min-wait-budget", "50ms",
				"latency-lb.services.orders.fallback.overload-wait-factor", "4")));
		SchedulerConfig global = CoreConfigMapping.scheduler(binder, null);
		assertThat(global.cusum()).isEqualTo(new CusumConfig(2.5, 6, 1, CusumConfig.ofDefaults().minLogRatio(),
				CusumConfig.ofDefaults().maxLogRatio(), 4));
		assertThat(global.flowWait()).isEqualTo(new FlowWaitConfig(3, 10_000_000L, 10));
		assertThat(CoreConfigMapping.scheduler(binder, "orders").flowWait())
			.isEqualTo(new FlowWaitConfig(3, 50_000_000L, 4));
	}

	@Test
	void aClearThresholdNotBelowTheThresholdShouldFailNamingThePrefixAndTheField() {
		Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("latency-lb.slowness.threshold", "2",
				"latency-lb.services.orders.slowness.clear-threshold", "3")));
		assertThatIllegalStateException().isThrownBy(() -> CoreConfigMapping.scheduler(binder, "orders"))
			.withMessageContaining("latency-lb.services[orders]")
			.withMessageContaining("slowness.clear-threshold");
	}

	@Test
	void anInvalidCombinationShouldFailNamingThePrefixAndTheField() {
		Binder binder = new Binder(
				new MapConfigurationPropertySource(Map.of("latency-lb.services.orders.ejection.max-time", "1s")));
		assertThatIllegalStateException().isThrownBy(() -> CoreConfigMapping.scheduler(binder, "orders"))
			.withMessageContaining("latency-lb.services[orders]")
			.withMessageContaining("maxEjectionTime");
	}

}
