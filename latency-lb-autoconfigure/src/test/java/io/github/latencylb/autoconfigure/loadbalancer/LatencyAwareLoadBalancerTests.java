package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LatencyAwareLoadBalancer} built by hand, fed instance lists directly.
 */
@ExtendWith(OutputCaptureExtension.class)
class LatencyAwareLoadBalancerTests {

	private static final String WARNING = "service 'svc' has no instance";

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final LatencyAwareLoadBalancer loadBalancer = new LatencyAwareLoadBalancer(
			new DefaultListableBeanFactory().getBeanProvider(ServiceInstanceListSupplier.class), "svc", this.scheduler);

	private final List<ServiceInstance> two = List.of(instance(8081), instance(8082));

	@Test
	void emptyListShouldReleaseTheStateAnswerNoServerAndWarnOncePerOutage(CapturedOutput output) {
		assertThat(this.loadBalancer.choose(this.two, Map.of()).hasServer()).isTrue();
		assertThat(this.scheduler.snapshot().instances()).hasSize(2);
		for (int i = 0; i < 100; i++) {
			Response<ServiceInstance> response = this.loadBalancer.choose(List.of(), Map.of());
			// No server: Spring Cloud Gateway answers 503.
			assertThat(response.hasServer()).isFalse();
		}
		assertThat(this.scheduler.snapshot().instances()).isEmpty();
		assertThat(this.loadBalancer.getInstances()).isEmpty();
		assertThat(occurrences(output.getAll(), WARNING)).isOne();
		// Back, then empty again: one more warning.
		assertThat(this.loadBalancer.choose(this.two, Map.of(LatencyLbAttributes.FLOW_KEY_HASH, 42L)).hasServer())
			.isTrue();
		assertThat(this.scheduler.snapshot().instances()).hasSize(2);
		for (int i = 0; i < 100; i++) {
			assertThat(this.loadBalancer.choose(List.of(), Map.of()).hasServer()).isFalse();
		}
		assertThat(occurrences(output.getAll(), WARNING)).isEqualTo(2);
	}

	@Test
	void missingSupplierBeanShouldAnswerNoServerAndSayWhyOnce(CapturedOutput output) {
		// What a service gets when its configurations value found no supplier bean (e.g.
		// health-check without a WebClient.Builder bean, as on a Boot 4 app without
		// spring-boot-starter-webclient).
		for (int i = 0; i < 20; i++) {
			Response<ServiceInstance> response = this.loadBalancer.choose(new DefaultRequest<>()).block();
			assertThat(response).isNotNull();
			assertThat(response.hasServer()).isFalse();
		}
		assertThat(occurrences(output.getAll(), "service 'svc' has no ServiceInstanceListSupplier bean")).isOne();
		assertThat(output.getAll()).contains("WebClient.Builder", "spring-boot-starter-webclient");
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
			count++;
		}
		return count;
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false);
	}

}
