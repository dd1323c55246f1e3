package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InstanceSet}: swaps, slow start after the settle period, weight changes,
 * admission handles resolved once per instance, listeners.
 */
class InstanceSetTests {

	private static final long START = 5_000_000_000L;

	private final FakeClock clock = new FakeClock(START);

	private final InstanceSet set = new InstanceSet(this.clock);

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final List<Set<String>> seen = new ArrayList<>();

	@Test
	void sameSetShouldChangeNothingAndBuildNoRing() {
		assertThat(update("a", "b")).isTrue();
		assertThat(this.set.update(List.of(weighted("a"), weighted("b")), (instances, nodes) -> {
			throw new AssertionError("no ring for the same set");
		}, this.config, (now) -> {
		})).isFalse();
	}

	@Test
	void instancesJoiningAfterTheSettlePeriodShouldStartSlowStart() {
		update("a");
		this.clock.advanceNanos(9_999_999_999L);
		update("a", "b");
		assertThat(this.set.current().get("b").warmFromStart).isTrue();
		this.clock.advanceNanos(1L);
		update("a", "b", "c");
		assertThat(this.set.current().get("c").warmFromStart).isFalse();
		assertThat(this.set.current().get("c").firstSeenNanos).isEqualTo(START + 10_000_000_000L);
	}

	@Test
	void aWeightChangeShouldKeepDrainingAndAnUnchangedInstanceItsState() {
		update("a", "b");
		InstanceStats b = this.set.current().get("b");
		this.set.current().get("a").draining = true;
		assertThat(this.set.update(List.of(new WeightedInstance("a", 2), weighted("b")), ConsistentHashRing::build,
				this.config, (now) -> {
				}))
			.isTrue();
		assertThat(this.set.current().get("a").weight).isEqualTo(2);
		assertThat(this.set.current().get("a").draining).isTrue();
		assertThat(this.set.current().get("b")).isSameAs(b);
	}

	@Test
	void admissionHandlesShouldBeResolvedOncePerInstance() {
		List<String> resolved = new ArrayList<>();
		AdmissionHandle handle = PowerOfTwoChoicesTests.saturated();
		this.set.setAdmission(new AdmissionView() {

			@Override
			public boolean hasFreePermit(String instanceId) {
				throw new AssertionError("no lookup by id");
			}

			@Override
			public int queueLength(String instanceId) {
				throw new AssertionError("no lookup by id");
			}

			@Override
			public AdmissionHandle handle(String instanceId) {
				resolved.add(instanceId);
				return handle;
			}

		});
		update("a");
		update("a", "b");
		assertThat(resolved).containsExactly("a", "b");
		assertThat(this.set.current().get("b").admission()).isSameAs(handle);
		this.set.setAdmission(AdmissionView.NONE);
		assertThat(this.set.current().get("a").admission().saturated()).isFalse();
	}

	@Test
	void listenersShouldSeeTheCurrentIdsThenEachChange() {
		update("a");
		this.set.addListener(TopologyPhase.PUBLISHED, this.seen::add);
		update("a", "b");
		assertThat(this.seen).containsExactly(Set.of("a"), Set.of("a", "b"));
	}

	@Test
	void listenersBeforePublicationShouldRunBeforeTheNewSetIsVisible() {
		update("a");
		List<String> seen = new ArrayList<>();
		this.set.addListener(TopologyPhase.BEFORE_PUBLICATION,
				(ids) -> seen.add("before " + ids.size() + " " + this.set.current().instances.size()));
		this.set.addListener(TopologyPhase.PUBLISHED,
				(ids) -> seen.add("published " + ids.size() + " " + this.set.current().instances.size()));
		update("a", "b");
		assertThat(seen).containsExactly("before 1 1", "published 1 1", "before 2 1", "published 2 2");
	}

	@Test
	void setDrainingShouldTellWhetherTheInstanceIsKnown() {
		update("a");
		assertThat(this.set.setDraining("a", true)).isTrue();
		assertThat(this.set.current().get("a").draining).isTrue();
		assertThat(this.set.setDraining("zz", true)).isFalse();
	}

	private boolean update(String... ids) {
		List<WeightedInstance> instances = new ArrayList<>();
		for (String id : ids) {
			instances.add(weighted(id));
		}
		return this.set.update(instances, ConsistentHashRing::build, this.config, (now) -> {
		});
	}

	private static WeightedInstance weighted(String id) {
		return new WeightedInstance(id, 1);
	}

}
