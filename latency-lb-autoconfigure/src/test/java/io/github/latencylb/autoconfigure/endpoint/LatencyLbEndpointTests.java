package io.github.latencylb.autoconfigure.endpoint;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.autoconfigure.BootLine;
import io.github.latencylb.autoconfigure.endpoint.LatencyLbEndpoint.InstanceDescriptor;
import io.github.latencylb.autoconfigure.endpoint.LatencyLbEndpoint.ServiceDescriptor;
import io.github.latencylb.autoconfigure.endpoint.LatencyLbEndpoint.ServiceSummary;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.InstanceAdmission;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.Permits;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests of {@link LatencyLbEndpoint}, built by hand on schedulers fed by hand.
 */
class LatencyLbEndpointTests {

	private static final long MS = 1_000_000L;

	private final AtomicLong now = new AtomicLong(1_000 * MS);

	private final SchedulerRegistry registry = new SchedulerRegistry((id) -> SchedulerConfig.ofDefaults(),
			this.now::get);

	private final Map<String, URI> uris = Map.of("a", URI.create("http://10.0.0.1:8080"), "b",
			URI.create("http://10.0.0.2:8080"), "c", URI.create("http://10.0.0.3:8080"));

	private final LatencyLbEndpoint endpoint = new LatencyLbEndpoint(this.registry,
			(serviceId) -> "orders".equals(serviceId) ? this.uris : Map.of(), AdmissionStateProvider.NONE);

	@Test
	void endpointShouldBeReadOnlyByDefault() {
		Endpoint annotation = LatencyLbEndpoint.class.getAnnotation(Endpoint.class);
		assertThat(annotation.id()).isEqualTo("latencylb");
		assertThat(annotation.defaultAccess()).isEqualTo(Access.READ_ONLY);
	}

	@Test
	void servicesShouldSummarizeEveryScheduledService() {
		Scheduler orders = fleet("orders", "a", "b", "c");
		fleet("users", "x");
		serveFlows(orders, 30, 10 * MS);
		Lease open = orders.start(orders.chooseKeyless(Set.of()));
		orders.setDraining("c", true);

		Map<String, ServiceSummary> services = this.endpoint.services().services();

		assertThat(services).containsOnlyKeys("orders", "users");
		ServiceSummary summary = services.get("orders");
		assertThat(summary.instances()).isEqualTo(3);
		assertThat(summary.states()).containsEntry("active", 2).containsEntry("draining", 1);
		assertThat(summary.inflight()).isEqualTo(1);
		assertThat(summary.flowTableSize()).isEqualTo(30);
		assertThat(summary.decisions()).isEqualTo(61);
		assertThat(summary.flowMoves()).isZero();
		assertThat(services.get("users").instances()).isEqualTo(1);
		open.release();
	}

	@Test
	void serviceShouldDescribeEveryInstance() {
		Scheduler orders = fleet("orders", "a", "b", "c");
		serveFlows(orders, 60, 10 * MS);
		Lease open = orders.start(orders.chooseForFlow(7L, Set.of()));

		ServiceDescriptor service = this.endpoint.service("orders");

		assertThat(service).isNotNull();
		assertThat(service.service()).isEqualTo("orders");
		assertThat(service.inflight()).isEqualTo(1);
		// Flow 7 has had one request: not recorded yet (doorkeeper).
		assertThat(service.flowTableSize()).isEqualTo(60);
		assertThat(service.decisions()).containsEntry("new-flow", 61L).containsEntry("home", 60L);
		assertThat(service.flowMoves().byCause()).containsOnlyKeys("slow", "unavailable", "retry");
		assertThat(service.retryBudgetLeft()).isNull();
		assertThat(service.serviceQueueLength()).isNull();
		assertThat(service.instances()).extracting(InstanceDescriptor::id).containsExactly("a", "b", "c");
		int held = 0;
		double share = 0;
		for (InstanceDescriptor instance : service.instances()) {
			assertThat(instance.uri()).isEqualTo(this.uris.get(instance.id()));
			assertThat(instance.state()).isEqualTo("active");
			assertThat(instance.weight()).isEqualTo(1);
			assertThat(instance.effectiveWeight()).isEqualTo(1.0);
			assertThat(instance.latency().peakEwmaMs()).isCloseTo(10.0, within(0.5));
			assertThat(instance.latency().p50Ms()).isCloseTo(10.0, within(0.5));
			assertThat(instance.latency().p99Ms()).isCloseTo(10.0, within(0.5));
			assertThat(instance.queueLengths()).isNull();
			assertThat(instance.bulkhead()).isNull();
			assertThat(instance.flows().pinned()).isZero();
			held += instance.flows().home();
			share += instance.ringShare();
		}
		assertThat(held).isEqualTo(60);
		assertThat(share).isCloseTo(1.0, within(0.001));
		open.release();
	}

	@Test
	void serviceShouldNeverShowAFlowKey() throws Exception {
		Scheduler orders = fleet("orders", "a", "b", "c");
		long keyHash = 0x1234_5678_9ABC_DEF0L;
		orders.start(orders.chooseForFlow(keyHash, Set.of())).release();

		String json = BootLine.toJson(this.endpoint.service("orders"));

		assertThat(json).doesNotContain(Long.toString(keyHash)).doesNotContain(Long.toHexString(keyHash));
	}

	@Test
	void serviceWhenNoSampleYetShouldLeaveLatencyAbsent() {
		fleet("orders", "a");

		InstanceDescriptor instance = this.endpoint.service("orders").instances().get(0);

		assertThat(instance.latency().peakEwmaMs()).isNull();
		assertThat(instance.latency().p50Ms()).isNull();
		assertThat(instance.latency().p99Ms()).isNull();
		assertThat(instance.latency().samples()).isZero();
	}

	@Test
	void serviceWhenUnknownShouldReturnNull() {
		assertThat(this.endpoint.service("nope")).isNull();
		assertThat(this.registry.find("nope")).isNull();
	}

	@Test
	void serviceWhenAdmissionRunsShouldShowQueuesBulkheadAndRetryBudget() {
		fleet("orders", "a", "b");
		AdmissionStateProvider admission = new AdmissionStateProvider() {

			@Override
			public @Nullable InstanceAdmission instance(String serviceId, String instanceId) {
				return "a".equals(instanceId) ? new InstanceAdmission(Map.of(0, 2, -100, 1), new Permits(0, 4)) : null;
			}

			@Override
			public OptionalDouble retryBudgetLeft(String serviceId) {
				return OptionalDouble.of(12.5);
			}

			@Override
			public OptionalInt serviceQueueLength(String serviceId) {
				return OptionalInt.of(3);
			}

		};
		LatencyLbEndpoint endpoint = new LatencyLbEndpoint(this.registry, (serviceId) -> Map.of(), admission);

		ServiceDescriptor service = endpoint.service("orders");

		assertThat(service.retryBudgetLeft()).isEqualTo(12.5);
		assertThat(service.serviceQueueLength()).isEqualTo(3);
		InstanceDescriptor a = service.instances().get(0);
		assertThat(a.queueLengths()).containsExactly(Map.entry(-100, 1), Map.entry(0, 2));
		assertThat(a.bulkhead()).isEqualTo(new Permits(0, 4));
		assertThat(a.uri()).isNull();
		assertThat(service.instances().get(1).queueLengths()).isNull();
	}

	@Test
	void setStateShouldDrainAndReactivateAnInstance() {
		Scheduler orders = fleet("orders", "a", "b", "c");

		InstanceDescriptor drained = this.endpoint.setState("orders", "b", "draining");

		assertThat(drained.state()).isEqualTo("draining");
		assertThat(drained.uri()).isEqualTo(this.uris.get("b"));
		for (long key = 0; key < 200; key++) {
			assertThat(orders.chooseForFlow(key, Set.of()).instanceId()).isNotEqualTo("b");
			assertThat(orders.chooseKeyless(Set.of()).instanceId()).isNotEqualTo("b");
		}
		assertThat(this.endpoint.setState("orders", "b", "ACTIVE").state()).isEqualTo("active");
		assertThat(this.endpoint.service("orders").instances().get(1).state()).isEqualTo("active");
	}

	@Test
	void setStateWhenStateIsInvalidShouldThrow() {
		fleet("orders", "a");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.setState("orders", "a", "ejected"))
			.withMessageContaining("'draining' or 'active'");
	}

	@Test
	void setStateWhenInstanceOrServiceIsUnknownShouldThrow() {
		fleet("orders", "a");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.setState("orders", "z", "draining"))
			.withMessageContaining("No instance 'z'");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.setState("nope", "a", "draining"));
	}

	private Scheduler fleet(String serviceId, String... ids) {
		Scheduler scheduler = this.registry.scheduler(serviceId);
		scheduler.updateInstances(List.of(ids).stream().map((id) -> new WeightedInstance(id, 1)).toList());
		return scheduler;
	}

	/**
	 * Serve one request of each of {@code flows} new flows, each taking {@code latency}.
	 */
	/**
	 * Two requests per flow: a flow is recorded from its second request on.
	 */
	private void serveFlows(Scheduler scheduler, int flows, long latency) {
		for (int round = 0; round < 2; round++) {
			for (long key = 1_000; key < 1_000 + flows; key++) {
				Decision decision = scheduler.chooseForFlow(key * 0x9E37_79B9_7F4A_7C15L, Set.of());
				Lease lease = scheduler.start(decision);
				this.now.addAndGet(latency);
				lease.recordResponse(false);
				lease.release();
			}
		}
	}

}
