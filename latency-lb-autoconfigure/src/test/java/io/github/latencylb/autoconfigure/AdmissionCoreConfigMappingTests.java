package io.github.latencylb.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.github.latencylb.core.FlowKeyConfig;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.admission.AdmissionConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AdmissionCoreConfigMapping}: the properties' defaults are the core's.
 */
class AdmissionCoreConfigMappingTests {

	@Test
	void mappedDefaultsShouldEqualTheCoreDefaults() {
		LatencyLbProperties properties = new LatencyLbProperties();
		assertThat(AdmissionCoreConfigMapping.admission(properties)).isEqualTo(AdmissionConfig.ofDefaults());
		assertThat(AdmissionCoreConfigMapping.retry(properties)).isEqualTo(RetryConfig.ofDefaults());
		assertThat(AdmissionCoreConfigMapping.flowKeys(properties)).isEqualTo(FlowKeyConfig.ofDefaults());
	}

	@Test
	void mapShouldCarryEveryProperty() {
		LatencyLbProperties properties = new LatencyLbProperties();
		properties.getBulkhead().setMaxConcurrentCalls(7);
		properties.getBulkhead().setMaxConcurrentStreams(3);
		properties.getQueue().setMaxLength(11);
		properties.getQueue().setTimeout(Duration.ofMillis(250));
		properties.getQueue().setOverflowMinLength(2);
		properties.getPriority().setHealthCheckQueueTimeout(Duration.ofSeconds(9));
		assertThat(AdmissionCoreConfigMapping.admission(properties))
			.isEqualTo(new AdmissionConfig(7, 3, 11, Duration.ofMillis(250), 2, Duration.ofSeconds(9)));
		properties.getRetry().setMaxAttempts(4);
		properties.getRetry().setStatuses(List.of(500));
		properties.getRetry().setBudgetRatio(0.5);
		properties.getRetry().setMinRetriesPerSecond(1);
		properties.getRetry().setMaxBodyBytes(10);
		assertThat(AdmissionCoreConfigMapping.retry(properties)).isEqualTo(new RetryConfig(4, Set.of(500), 0.5, 1, 10));
		properties.getAffinity().setCookieNames(List.of("S"));
		properties.getAffinity().setHeaderNames(List.of("X-User"));
		properties.getAffinity().setClientIp(true);
		properties.getAffinity().setMaxKeyLength(64);
		assertThat(AdmissionCoreConfigMapping.flowKeys(properties))
			.isEqualTo(new FlowKeyConfig(List.of("S"), List.of("X-User"), true, 64));
	}

}
