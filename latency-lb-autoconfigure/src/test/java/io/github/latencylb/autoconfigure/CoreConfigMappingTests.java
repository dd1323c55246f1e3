package io.github.latencylb.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.github.latencylb.core.AffinityConfig;
import io.github.latencylb.core.BoundedLoadConfig;
import io.github.latencylb.core.CusumConfig;
import io.github.latencylb.core.EjectionConfig;
import io.github.latencylb.core.FallbackConfig;
import io.github.latencylb.core.FlowWaitConfig;
import io.github.latencylb.core.LatencyConfig;
import io.github.latencylb.core.MovesConfig;
import io.github.latencylb.core.RingConfig;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.SlowStartConfig;
import io.github.latencylb.core.SlownessConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link CoreConfigMapping}: the properties' defaults are the core's defaults, part by
 * part, and each property lands in its part.
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
				"latency-lb.services.orders.fallback.min-wait-budget", "50ms")));
		SchedulerConfig global = CoreConfigMapping.scheduler(binder, null);
		assertThat(global.cusum()).isEqualTo(new CusumConfig(2.5, 6, 1, CusumConfig.ofDefaults().minLogRatio(),
				CusumConfig.ofDefaults().maxLogRatio(), 4));
		assertThat(global.flowWait()).isEqualTo(new FlowWaitConfig(3, 10_000_000L));
		assertThat(CoreConfigMapping.scheduler(binder, "orders").flowWait())
			.isEqualTo(new FlowWaitConfig(3, 50_000_000L));
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
