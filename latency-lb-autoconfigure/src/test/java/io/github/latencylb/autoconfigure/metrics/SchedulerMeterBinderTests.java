package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.InstanceAdmission;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests of {@link SchedulerMeterBinder} on a {@link SimpleMeterRegistry}.
 */
class SchedulerMeterBinderTests {

	private static final long MS = 1_000_000L;

	private final AtomicLong now = new AtomicLong(1_000 * MS);

	private final SchedulerRegistry schedulers = new SchedulerRegistry((id) -> SchedulerConfig.ofDefaults(),
			this.now::get);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void bindToShouldCountDecisionsAndMovesOfEveryServiceIncludingLaterOnes() {
		Scheduler before = fleet("before", "a", "b");
		new SchedulerMeterBinder(this.schedulers, AdmissionStateProvider.NONE, Duration.ZERO).bindTo(this.registry);
		Scheduler after = fleet("after", "x");
		for (long key = 0; key < 10; key++) {
			// Two requests: a flow is recorded from its second on.
			before.chooseForFlow(key * 0x9E37_79B9_7F4A_7C15L, Set.of());
			before.chooseForFlow(key * 0x9E37_79B9_7F4A_7C15L, Set.of());
			after.chooseKeyless(Set.of());
		}
		int onA = before.snapshot().instance("a").homeFlows();
		before.updateInstances(List.of(new WeightedInstance("b", 1)));
		for (long key = 0; key < 10; key++) {
			before.chooseForFlow(key * 0x9E37_79B9_7F4A_7C15L, Set.of());
		}

		assertThat(count("latencylb.decisions", "service", "before", "reason", "new-flow")).isEqualTo(10);
		assertThat(count("latencylb.decisions", "service", "before", "reason", "home")).isEqualTo(20);
		assertThat(count("latencylb.decisions", "service", "after", "reason", "keyless")).isEqualTo(10);
		assertThat(count("latencylb.decisions", "service", "after", "reason", "new-flow")).isZero();
		assertThat(onA).isPositive();
		assertThat(count("latencylb.flow.moves", "service", "before", "cause", "unavailable")).isEqualTo(onA);
		assertThat(count("latencylb.flow.moves", "service", "before", "cause", "slow")).isZero();
		assertThat(this.registry.find("latencylb.decisions").tag("service", "before").meters())
			.hasSize(io.github.latencylb.core.DecisionReason.values().length);
		assertThat(this.registry.find("latencylb.flow.moves").tag("service", "after").meters())
			.hasSize(io.github.latencylb.core.MoveCause.values().length);
		assertThat(this.registry.get("latencylb.flow.table.size").tag("service", "before").gauge().value())
			.isEqualTo(10);
	}

	@Test
	void instanceGaugesShouldShowLatencyInSecondsAndInflight() {
		Scheduler orders = fleet("orders", "a");
		new SchedulerMeterBinder(this.schedulers, AdmissionStateProvider.NONE, Duration.ZERO).bindTo(this.registry);
		assertThat(gauge("latencylb.instance.latency", "a")).isNaN();
		Lease lease = orders.start(orders.chooseKeyless(Set.of()));
		this.now.addAndGet(40 * MS);
		lease.recordResponse(false);
		orders.chooseForFlow(42, Set.of());
		Lease open = orders.start(orders.chooseForFlow(42, Set.of()));

		assertThat(gauge("latencylb.instance.latency", "a")).isCloseTo(0.040, within(0.001));
		assertThat(this.registry.get("latencylb.instance.latency").gauge().getId().getBaseUnit()).isEqualTo("seconds");
		assertThat(gauge("latencylb.instance.inflight", "a")).isEqualTo(2);
		assertThat(gauge("latencylb.instance.queue.length", "a")).isZero();
		assertThat(this.registry.get("latencylb.instance.flows").tags("instance", "a", "kind", "home").gauge().value())
			.isEqualTo(1);
		lease.release();
		open.release();
		assertThat(gauge("latencylb.instance.inflight", "a")).isZero();
	}

	@Test
	void instanceGaugesShouldFollowTheInstanceSet() {
		Scheduler orders = fleet("orders", "a", "b");
		new SchedulerMeterBinder(this.schedulers, AdmissionStateProvider.NONE, Duration.ZERO).bindTo(this.registry);
		assertThat(instancesWithGauges()).containsExactlyInAnyOrder("a", "b");

		orders.updateInstances(List.of(new WeightedInstance("b", 1), new WeightedInstance("c", 1)));

		assertThat(instancesWithGauges()).containsExactlyInAnyOrder("b", "c");
		for (String name : List.of("latencylb.instance.latency", "latencylb.instance.inflight",
				"latencylb.instance.queue.length", "latencylb.instance.flows")) {
			assertThat(this.registry.find(name).tag("instance", "a").meters()).as(name).isEmpty();
			assertThat(this.registry.find(name).tag("instance", "c").meters()).as(name).isNotEmpty();
		}
		assertThat(this.registry.find("latencylb.instance.flows").tag("instance", "c").meters()).hasSize(2);
	}

	@Test
	void queueLengthGaugeShouldSumTheClassesOfTheAdmissionState() {
		fleet("orders", "a", "b");
		AdmissionStateProvider admission = new AdmissionStateProvider() {

			@Override
			public @Nullable InstanceAdmission instance(String serviceId, String instanceId) {
				return "a".equals(instanceId) ? new InstanceAdmission(Map.of(0, 3, 5, 4), null) : null;
			}

		};
		new SchedulerMeterBinder(this.schedulers, admission, Duration.ZERO).bindTo(this.registry);

		assertThat(gauge("latencylb.instance.queue.length", "a")).isEqualTo(7);
		assertThat(gauge("latencylb.instance.queue.length", "b")).isZero();
	}

	@Test
	void serviceQueueLengthGaugeShouldShowTheServiceQueueAndZeroWithoutOne() {
		fleet("orders", "a");
		fleet("users", "x");
		AdmissionStateProvider admission = new AdmissionStateProvider() {

			@Override
			public OptionalInt serviceQueueLength(String serviceId) {
				return "orders".equals(serviceId) ? OptionalInt.of(9) : OptionalInt.empty();
			}

		};
		new SchedulerMeterBinder(this.schedulers, admission, Duration.ZERO).bindTo(this.registry);

		assertThat(this.registry.get("latencylb.service.queue.length").tag("service", "orders").gauge().value())
			.isEqualTo(9);
		assertThat(this.registry.get("latencylb.service.queue.length").tag("service", "users").gauge().value())
			.isZero();
	}

	@Test
	void bindToTwiceShouldBindEachRegistryOnce() {
		fleet("orders", "a");
		SimpleMeterRegistry other = new SimpleMeterRegistry();
		SchedulerMeterBinder binder = new SchedulerMeterBinder(this.schedulers, AdmissionStateProvider.NONE);
		binder.bindTo(this.registry);
		binder.bindTo(other);
		fleet("users", "x");

		assertThat(this.registry.find("latencylb.instance.inflight").meters()).hasSize(2);
		assertThat(other.find("latencylb.instance.inflight").meters()).hasSize(2);
	}

	private Scheduler fleet(String serviceId, String... ids) {
		Scheduler scheduler = this.schedulers.scheduler(serviceId);
		scheduler.updateInstances(List.of(ids).stream().map((id) -> new WeightedInstance(id, 1)).toList());
		return scheduler;
	}

	private double count(String name, String... tags) {
		return this.registry.get(name).tags(tags).functionCounter().count();
	}

	private double gauge(String name, String instance) {
		return this.registry.get(name).tag("instance", instance).gauge().value();
	}

	private List<String> instancesWithGauges() {
		return this.registry.find("latencylb.instance.inflight")
			.meters()
			.stream()
			.map(Meter::getId)
			.map((id) -> id.getTag("instance"))
			.toList();
	}

}
