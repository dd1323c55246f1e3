package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad admission settings fail start-up with a message naming the property.
 */
class AdmissionValidationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class,
				LatencyLbAdmissionAutoConfiguration.class, LoadBalancerAutoConfiguration.class));

	@Test
	void runWhenRulePathPatternIsInvalidShouldFailNamingTheRule() {
		this.runner
			.withPropertyValues("latency-lb.priority.rules[0].paths=/api/**/orders",
					"latency-lb.priority.rules[0].priority-class=5")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("latency-lb.priority.rules[0].paths")
				.contains("/api/**/orders"));
	}

	@Test
	void runWhenRuleHeaderRegexIsInvalidShouldFailNamingTheHeader() {
		this.runner.withPropertyValues("latency-lb.priority.rules[0].headers.X-Tier=gold(")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("latency-lb.priority.rules[0].headers.X-Tier"));
	}

	@Test
	void runWhenRetryStatusIsOutOfRangeShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.retry.statuses=502,999")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("retry.statuses")
				.contains("999"));
	}

	@Test
	void runWhenQueueTimeoutIsZeroShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.queue.timeout=0s")
			.run((context) -> assertThat(messages(context.getStartupFailure())).contains("queue.timeout"));
	}

	@Test
	void runWhenServiceQueueMaxLengthIsNegativeShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.queue.service-max-length=-1")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.containsAnyOf("queue.service-max-length", "queue.serviceMaxLength"));
	}

	@Test
	void runWhenATrustedSourceIsNotACidrBlockShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.priority.trusted-sources=10.0.0.0/8,10.0.0.0/40")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("latency-lb.priority.trusted-sources[1]")
				.contains("10.0.0.0/40"));
	}

	@Test
	void runWhenHealthCheckCapIsInvalidShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.priority.health-check-max-waiters=-1")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("priority.healthCheckMaxWaiters"));
		this.runner.withPropertyValues("latency-lb.priority.health-check-max-rate=Infinity")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("priority.healthCheckMaxRate"));
		this.runner.withPropertyValues("latency-lb.priority.health-check-max-rate=-0.5")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("priority.healthCheckMaxRate"));
		this.runner.withPropertyValues("latency-lb.priority.health-check-class=10")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.contains("latency-lb.priority.health-check-class")
				.contains("latency-lb.priority.default-class"));
	}

	@Test
	void runWhenMaxBodyBytesIsNegativeOrHugeShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.retry.max-body-bytes=-1")
			.run((context) -> assertThat(messages(context.getStartupFailure())).containsAnyOf("retry.max-body-bytes",
					"retry.maxBodyBytes"));
		this.runner.withPropertyValues("latency-lb.retry.max-body-bytes=1073741824")
			.run((context) -> assertThat(messages(context.getStartupFailure())).containsAnyOf("retry.max-body-bytes",
					"retry.maxBodyBytes"));
	}

	@Test
	void runWhenMaxConcurrentStreamsIsZeroShouldFailNamingIt() {
		this.runner.withPropertyValues("latency-lb.bulkhead.max-concurrent-streams=0")
			.run((context) -> assertThat(messages(context.getStartupFailure()))
				.containsAnyOf("bulkhead.max-concurrent-streams", "bulkhead.maxConcurrentStreams"));
	}

	@Test
	void runWhenSettingsAreValidShouldStart() {
		this.runner
			.withPropertyValues("latency-lb.priority.rules[0].paths=/api/checkout/**",
					"latency-lb.priority.rules[0].headers.X-Tier=gold|platinum",
					"latency-lb.priority.rules[0].priority-class=-10",
					"latency-lb.priority.trusted-sources=10.0.0.0/8,::1,fd00::/8",
					"latency-lb.priority.health-check-user-agents=kube-probe/*",
					"latency-lb.priority.health-check-max-waiters=0", "latency-lb.priority.health-check-max-rate=0.5",
					"latency-lb.retry.max-body-bytes=0", "latency-lb.bulkhead.max-concurrent-streams=16")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(StreamLimits.class)
				.hasSingleBean(PriorityClassifier.class)
				.hasSingleBean(InstanceAdmission.class)
				.hasSingleBean(RetryGlobalFilter.class));
	}

	private static String messages(Throwable failure) {
		assertThat(failure).as("start-up should have failed").isNotNull();
		StringBuilder all = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

}
