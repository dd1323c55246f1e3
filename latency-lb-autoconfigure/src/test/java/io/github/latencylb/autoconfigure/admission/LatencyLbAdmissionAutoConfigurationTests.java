package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.github.latencylb.autoconfigure.BootLine;
import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.admission.CappedClass;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.latencylb.core.admission.Ticket;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of {@link LatencyLbAdmissionAutoConfiguration}: per-instance Resilience4j
 * bulkheads, their template, the switches, and the clean-up of departed instances.
 */
class LatencyLbAdmissionAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LatencyLbAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
				LatencyLbAdmissionAutoConfiguration.class))
		.withConfiguration(BootLine.resilience4jBulkhead());

	@Test
	void runWhenDefaultShouldRegisterEveryLatencyLbFilter() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(PriorityClassifier.class)
			.hasSingleBean(InstanceAdmission.class)
			.hasSingleBean(AdmissionRegistry.class)
			.hasSingleBean(RetryGlobalFilter.class)
			.hasSingleBean(SetPriorityClassGatewayFilterFactory.class));
	}

	@Test
	void runWhenQueueIsCreatedShouldRegisterABulkheadNamedServiceAndInstance() {
		this.runner.run((context) -> {
			BulkheadRegistry bulkheads = context.getBean(BulkheadRegistry.class);
			AdmissionRegistry admission = context.getBean(AdmissionRegistry.class);
			assertThat(bulkheads.find("orders:10.0.0.1:8080")).isEmpty();
			PriorityAdmissionQueue queue = admission.queue("orders", "10.0.0.1:8080");
			assertThat(bulkheads.find("orders:10.0.0.1:8080")).isPresent();
			Bulkhead bulkhead = bulkheads.bulkhead("orders:10.0.0.1:8080");
			assertThat(bulkhead.getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(256);
			assertThat(bulkhead.getBulkheadConfig().getMaxWaitDuration()).isEqualTo(Duration.ZERO);
			assertThat(queue.pool().maxPermits()).isEqualTo(256);
			assertThat(queue.maxLength()).isEqualTo(1000);
			// The queue's permits are the bulkhead's own.
			Ticket ticket = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
			assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(255);
			assertThat(ticket.release()).isTrue();
			assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(256);
			assertThat(admission.queue("orders", "10.0.0.1:8080")).isSameAs(queue);
		});
	}

	@Test
	void runWhenMaxConcurrentCallsAndQueueLengthAreSetShouldUseThem() {
		this.runner.withPropertyValues("latency-lb.bulkhead.max-concurrent-calls=3", "latency-lb.queue.max-length=20")
			.run((context) -> {
				PriorityAdmissionQueue queue = context.getBean(AdmissionRegistry.class).queue("svc", "a");
				assertThat(queue.pool().maxPermits()).isEqualTo(3);
				assertThat(queue.maxLength()).isEqualTo(20);
				assertThat(queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE).state())
					.isEqualTo(Ticket.State.GRANTED);
				assertThat(context.getBean(BulkheadRegistry.class)
					.bulkhead("svc:a")
					.getMetrics()
					.getAvailableConcurrentCalls()).isEqualTo(2);
			});
	}

	@Test
	void runWhenConfigNameIsSetShouldCreateBulkheadsFromThatResilience4jConfigWithoutWaiting() {
		this.runner
			.withPropertyValues("latency-lb.bulkhead.config-name=strict",
					"resilience4j.bulkhead.configs.strict.max-concurrent-calls=7",
					"resilience4j.bulkhead.configs.strict.max-wait-duration=1s")
			.run((context) -> {
				BulkheadRegistry bulkheads = context.getBean(BulkheadRegistry.class);
				assertThat(bulkheads.getConfiguration("strict")).isPresent();
				PriorityAdmissionQueue queue = context.getBean(AdmissionRegistry.class).queue("svc", "a");
				assertThat(queue.pool().maxPermits()).isEqualTo(7);
				Bulkhead bulkhead = bulkheads.bulkhead("svc:a");
				assertThat(bulkhead.getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(7);
				// Never blocking an event-loop thread, whatever the named config says.
				assertThat(bulkhead.getBulkheadConfig().getMaxWaitDuration()).isEqualTo(Duration.ZERO);
				for (int i = 0; i < 7; i++) {
					assertThat(queue.pool().tryAcquire()).isTrue();
				}
				long start = System.nanoTime();
				assertThat(queue.pool().tryAcquire()).isFalse();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
			});
	}

	@Test
	void runWhenConfigNameIsUnknownShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("latency-lb.bulkhead.config-name=nope").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(allMessages(context.getStartupFailure())).contains("latency-lb.bulkhead.config-name")
				.contains("nope");
		});
	}

	@Test
	void runWhenBulkheadIsDisabledShouldRegisterNoAdmission() {
		this.runner.withPropertyValues("latency-lb.bulkhead.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(InstanceAdmission.class).doesNotHaveBean(AdmissionRegistry.class);
			// Classification and retries do not depend on admission.
			assertThat(context).hasSingleBean(PriorityClassifier.class).hasSingleBean(RetryGlobalFilter.class);
		});
	}

	@Test
	void runWhenPriorityIsDisabledShouldRegisterNoClassifier() {
		this.runner.withPropertyValues("latency-lb.priority.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(PriorityClassifier.class);
			assertThat(context).hasSingleBean(InstanceAdmission.class);
		});
	}

	@Test
	void runWhenLatencyLbIsDisabledShouldRegisterNothing() {
		this.runner.withPropertyValues("latency-lb.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(InstanceAdmission.class)
				.doesNotHaveBean(PriorityClassifier.class)
				.doesNotHaveBean(RetryGlobalFilter.class));
	}

	@Test
	void runWhenResilience4jIsAbsentShouldUseSemaphorePools() {
		this.runner.withClassLoader(new FilteredClassLoader(BulkheadRegistry.class))
			.withPropertyValues("latency-lb.bulkhead.max-concurrent-calls=5")
			.run((context) -> {
				PriorityAdmissionQueue queue = context.getBean(AdmissionRegistry.class).queue("svc", "a");
				assertThat(queue.pool()).isInstanceOf(SemaphorePermitPool.class);
				assertThat(queue.pool().maxPermits()).isEqualTo(5);
			});
	}

	@Test
	void runWhenInstancesLeaveShouldRemoveTheirQueuesAndBulkheads() {
		this.runner.run((context) -> {
			BulkheadRegistry bulkheads = context.getBean(BulkheadRegistry.class);
			AdmissionRegistry admission = context.getBean(AdmissionRegistry.class);
			Scheduler scheduler = context.getBean(SchedulerRegistry.class).scheduler("svc");
			scheduler.updateInstances(
					List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1), new WeightedInstance("c", 1)));
			admission.queue("svc", "a");
			admission.queue("svc", "b");
			admission.queue("svc", "c");
			// Another service's instance of the same id is not touched.
			admission.queue("other", "c");
			assertThat(admission.queues("svc")).containsOnlyKeys("a", "b", "c");

			scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)));

			assertThat(admission.queues("svc")).containsOnlyKeys("a", "b");
			assertThat(bulkheads.find("svc:c")).isEmpty();
			assertThat(bulkheads.find("svc:a")).isPresent();
			assertThat(bulkheads.find("svc:b")).isPresent();
			assertThat(bulkheads.find("other:c")).isPresent();
			assertThat(admission.queues("other")).containsOnlyKeys("c");
			// A request chosen before c left gets no queue, and no bulkhead is recreated.
			assertThat(admission.queue("svc", "c")).isNull();
			assertThat(admission.queues("svc")).containsOnlyKeys("a", "b");
			assertThat(bulkheads.find("svc:c")).isEmpty();
			// Back again: a fresh queue.
			scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("c", 1)));
			assertThat(admission.queues("svc")).containsOnlyKeys("a");
			assertThat(admission.queue("svc", "c")).isNotNull();
			assertThat(bulkheads.find("svc:c")).isPresent();
			// No instance at all: nothing left.
			scheduler.updateInstances(List.of());
			assertThat(admission.queues("svc")).isEmpty();
			assertThat(admission.queue("svc", "a")).isNull();
			assertThat(bulkheads.getAllBulkheads()).extracting(Bulkhead::getName).containsExactly("other:c");
		});
	}

	@Test
	void runShouldCapTheHealthCheckClassAsConfigured() {
		this.runner
			.withPropertyValues("latency-lb.priority.health-check-max-waiters=3",
					"latency-lb.priority.health-check-max-rate=7.5", "latency-lb.priority.default-class=10")
			.run((context) -> {
				PriorityAdmissionQueue queue = context.getBean(AdmissionRegistry.class).queue("svc", "a");
				assertThat(queue.cappedClass()).isEqualTo(new CappedClass(-2047, 3, 7.5, 10));
			});
		this.runner.withPropertyValues("latency-lb.priority.enabled=false")
			.run((context) -> assertThat(context.getBean(AdmissionRegistry.class).queue("svc", "a").cappedClass())
				.isNull());
	}

	@Test
	void runWhenSchedulerIsCreatedShouldLetItSeeAdmission() {
		this.runner.withPropertyValues("latency-lb.bulkhead.max-concurrent-calls=1").run((context) -> {
			AdmissionRegistry admission = context.getBean(AdmissionRegistry.class);
			Scheduler scheduler = context.getBean(SchedulerRegistry.class).scheduler("svc");
			scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)));
			// Saturate a: its only permit taken and one request waiting.
			PriorityAdmissionQueue queue = admission.queue("svc", "a");
			queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
			queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
			assertThat(admission.viewOf("svc").saturated("a")).isTrue();
			for (int i = 0; i < 50; i++) {
				assertThat(scheduler.chooseKeyless(Set.of()).instanceId()).isEqualTo("b");
			}
		});
	}

	private static String allMessages(Throwable failure) {
		StringBuilder messages = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			messages.append(t.getMessage()).append('\n');
		}
		return messages.toString();
	}

}
