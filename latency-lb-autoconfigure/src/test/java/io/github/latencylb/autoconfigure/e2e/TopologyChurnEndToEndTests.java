package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.metrics.SchedulerMeterBinder;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances come and go every 2 s under load with queueing (two permits per instance, far
 * more clients), then the service drops to zero instances. Afterwards the bulkheads (ours
 * and Resilience4j's, with their meters), queues and per-instance gauges are exactly
 * those of the live instances, every permit is free and nothing is in flight; with no
 * instance left, requests fail at once with a 5xx and no admission state remains.
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
		"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=1s" })
class TopologyChurnEndToEndTests extends AdmissionEndToEndSupport {

	static final int CLIENTS = 32;

	static final int CHANGES = 6;

	static final Duration PERIOD = Duration.ofSeconds(2);

	static final TestBackends backends = new TestBackends(6, Duration.ofMillis(20));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends, 3);

	@Autowired
	MeterRegistry meters;

	@Autowired
	SimpleReactiveDiscoveryProperties discovery;

	@Test
	void churnThenNoInstanceShouldLeaveAdmissionStateExactlyForTheLiveInstances() throws Exception {
		Outcomes outcomes = new Outcomes();
		HttpClient client = client();
		List<List<TestBackends.Backend>> sets = churnPlan();
		long end = System.nanoTime() + PERIOD.toNanos() * (CHANGES + 1);
		Mono<Void> load = Flux.range(0, CLIENTS)
			.flatMap((i) -> clientLoop(client, (i % 2 == 0) ? "flow-" + i : null, end, outcomes), CLIENTS)
			.then()
			.cache();
		load.subscribe();
		int maxQueued = 0;
		List<TestBackends.Backend> live = backends.backends.subList(0, 3);
		try {
			for (List<TestBackends.Backend> set : sets) {
				long next = System.nanoTime() + PERIOD.toNanos();
				while (System.nanoTime() < next) {
					maxQueued = Math.max(maxQueued,
							this.admission.queues("svc")
								.values()
								.stream()
								.mapToInt(PriorityAdmissionQueue::queueLength)
								.sum());
					Thread.sleep(50);
				}
				live = set;
				GatewayEndToEndSupport.setInstances(this.discovery,
						live.stream().map((b) -> b.instance("svc")).toList());
			}
			load.block(Duration.ofSeconds(60));
			// Touch every live instance, so that each has its queue and bulkhead.
			Flux.range(0, 60).flatMap((i) -> send(client, null, outcomes), 60).then().block(Duration.ofSeconds(30));
		}
		finally {
			System.out.println("Topology churn: " + outcomes + ", most requests queued at once " + maxQueued + ", sets "
					+ sets.stream().map(TopologyChurnEndToEndTests::ids).toList());
		}
		assertThat(outcomes.count("200")).isGreaterThan(200);
		assertThat(outcomes.count("stuck")).as("requests never answered").isZero();
		assertThat(maxQueued).as("requests waited in queues").isPositive();

		Set<String> liveIds = ids(live);
		Scheduler scheduler = this.schedulers.scheduler("svc");
		awaitNothingTaken(liveIds, 2);
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			assertThat(scheduler.snapshot().instances().stream().map((i) -> i.id()).collect(Collectors.toSet()))
				.isEqualTo(liveIds);
			assertThat(instanceTags(SchedulerMeterBinder.INSTANCE_INFLIGHT)).isEqualTo(liveIds);
			assertThat(instanceTags(SchedulerMeterBinder.INSTANCE_QUEUE_LENGTH)).isEqualTo(liveIds);
			assertThat(instanceTags(SchedulerMeterBinder.INSTANCE_LATENCY)).isEqualTo(liveIds);
			assertThat(resilience4jBulkheadMeterNames()).isEqualTo(new TreeSet<>(names(liveIds)));
		});

		// No instance at all: requests fail cleanly and quickly, and nothing is kept.
		GatewayEndToEndSupport.setInstances(this.discovery, List.of());
		List<Integer> statuses = Flux.range(0, 10)
			.flatMap((i) -> client.get()
				.uri("/work")
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
				.timeout(Duration.ofSeconds(5)), 10)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(statuses).hasSize(10).allSatisfy((status) -> assertThat(status).isBetween(500, 599));
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			assertThat(this.admission.queues("svc")).isEmpty();
			assertThat(ourBulkheads()).isEmpty();
			assertThat(resilience4jBulkheadMeterNames()).isEmpty();
			assertThat(instanceTags(SchedulerMeterBinder.INSTANCE_INFLIGHT)).isEmpty();
			assertThat(instanceTags(SchedulerMeterBinder.INSTANCE_QUEUE_LENGTH)).isEmpty();
			assertThat(scheduler.totalInflight()).isZero();
		});
	}

	/** Non-empty sets of 1 to 4 of the 6 backends, each different from the one before. */
	private static List<List<TestBackends.Backend>> churnPlan() {
		SplittableRandom random = new SplittableRandom(7);
		List<List<TestBackends.Backend>> sets = new ArrayList<>();
		Set<String> previous = ids(backends.backends.subList(0, 3));
		while (sets.size() < CHANGES - 1) {
			List<TestBackends.Backend> shuffled = new ArrayList<>(backends.backends);
			for (int i = shuffled.size() - 1; i > 0; i--) {
				java.util.Collections.swap(shuffled, i, random.nextInt(i + 1));
			}
			List<TestBackends.Backend> set = List.copyOf(shuffled.subList(0, 1 + random.nextInt(4)));
			if (!ids(set).equals(previous)) {
				sets.add(set);
				previous = ids(set);
			}
		}
		// End with three instances, none of which was there at the start.
		sets.add(backends.backends.subList(3, 6));
		return sets;
	}

	private static Set<String> ids(List<TestBackends.Backend> set) {
		return set.stream().map(TestBackends.Backend::instanceId).collect(Collectors.toCollection(TreeSet::new));
	}

	private static List<String> names(Set<String> ids) {
		return ids.stream().map((id) -> AdmissionRegistry.nameOf("svc", id)).toList();
	}

	private List<Bulkhead> ourBulkheads() {
		return this.bulkheads.getAllBulkheads().stream().filter((b) -> b.getName().startsWith("svc:")).toList();
	}

	private Set<String> instanceTags(String meterName) {
		return this.meters.find(meterName)
			.tag("service", "svc")
			.meters()
			.stream()
			.map((meter) -> meter.getId().getTag("instance"))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private Set<String> resilience4jBulkheadMeterNames() {
		Set<String> names = new TreeSet<>();
		for (Meter meter : this.meters.getMeters()) {
			String name = meter.getId().getTag("name");
			if (meter.getId().getName().startsWith("resilience4j.bulkhead") && name != null
					&& name.startsWith("svc:")) {
				names.add(name);
			}
		}
		return names;
	}

	private static Mono<Void> clientLoop(HttpClient client, String flow, long end, Outcomes outcomes) {
		return Mono.defer(() -> send(client, flow, outcomes)).repeat(() -> System.nanoTime() < end).then();
	}

	private static Mono<Void> send(HttpClient client, String flow, Outcomes outcomes) {
		HttpClient configured = (flow != null) ? client.headers((h) -> h.set("Cookie", "SESSION=" + flow)) : client;
		return configured.get()
			.uri("/work")
			.responseSingle((response, body) -> body.then(Mono.just(String.valueOf(response.status().code()))))
			.timeout(Duration.ofSeconds(15))
			.onErrorResume((ex) -> Mono.just((ex instanceof TimeoutException) ? "stuck" : "error"))
			.doOnNext(outcomes::add)
			.then();
	}

}
