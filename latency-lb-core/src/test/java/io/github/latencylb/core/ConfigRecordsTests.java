package io.github.latencylb.core;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.latencylb.core.admission.AdmissionConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RetryConfig}, {@link FlowKeyConfig} and {@link AdmissionConfig}.
 */
class ConfigRecordsTests {

	@Test
	void defaultsShouldBeValidAndDocumented() {
		assertThat(RetryConfig.ofDefaults().maxAttempts()).isEqualTo(2);
		assertThat(RetryConfig.ofDefaults().statuses()).containsExactlyInAnyOrder(502, 503, 504);
		assertThat(AdmissionConfig.ofDefaults().queueTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(FlowKeyConfig.ofDefaults().cookieNames()).containsExactly("SESSION", "JSESSIONID");
	}

	@Test
	void recordsShouldCopyTheirCollections() {
		Set<Integer> statuses = new HashSet<>(Set.of(502));
		RetryConfig retry = new RetryConfig(2, statuses, 0.2, 5, 0);
		statuses.add(500);
		assertThat(retry.statuses()).containsExactly(502);
		List<String> cookies = new java.util.ArrayList<>(List.of("A"));
		FlowKeyConfig flowKeys = new FlowKeyConfig(cookies, List.of(), false, 10);
		cookies.add("B");
		assertThat(flowKeys.cookieNames()).containsExactly("A");
	}

	@Test
	void invalidValuesShouldBeRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RetryConfig(0, Set.of(), 0.2, 5, 0))
			.withMessageContaining("maxAttempts");
		assertThatIllegalArgumentException().isThrownBy(() -> new RetryConfig(2, Set.of(), 0.2, 5, -1))
			.withMessageContaining("maxBodyBytes");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AdmissionConfig(0, 0, 1, Duration.ZERO, 1, Duration.ZERO))
			.withMessageContaining("maxConcurrentCalls");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AdmissionConfig(1, 0, -1, Duration.ZERO, 1, Duration.ZERO))
			.withMessageContaining("queueMaxLength");
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowKeyConfig(List.of(), List.of(), false, 0))
			.withMessageContaining("maxKeyLength");
	}

}
