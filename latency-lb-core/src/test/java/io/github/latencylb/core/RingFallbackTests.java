package io.github.latencylb.core;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RingFallback}: the best candidate after home, the overflow target of a saturated
 * instance, and whether any candidate is free.
 */
class RingFallbackTests {

	private static final long NOW = 5_000_000_000L;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final RingFallback fallback = new RingFallback(new PeakEwmaCost());

	private final Topology topology = TestTopology.of(NOW, "a", "b", "c");

	private final long key = TestTopology.keyHomedAt(this.topology, "a");

	@Test
	void bestShouldBeTheLowestScoreOtherThanHome() {
		this.topology.get("a").ewma.observe(1_000_000, NOW);
		this.topology.get("b").ewma.observe(9_000_000, NOW);
		this.topology.get("c").ewma.observe(3_000_000, NOW);
		assertThat(best(Set.of())).isEqualTo("c");
		assertThat(best(Set.of("c"))).isEqualTo("b");
	}

	@Test
	void bestShouldPreferAFreeCandidateThenOneWithinItsCap() {
		this.topology.get("b").ewma.observe(9_000_000, NOW);
		this.topology.get("c").ewma.observe(3_000_000, NOW);
		this.topology.get("c").admission = PowerOfTwoChoicesTests.saturated();
		assertThat(best(Set.of())).isEqualTo("b");
		this.topology.get("c").admission = AdmissionHandle.NONE;
		this.topology.get("c").inflight.set(8);
		assertThat(best(Set.of())).isEqualTo("b");
	}

	@Test
	void bestShouldSpreadNearEqualCandidatesByRendezvousOnTheKey() {
		this.topology.get("b").ewma.observe(3_000_000, NOW);
		this.topology.get("c").ewma.observe(3_100_000, NOW);
		String expected = RendezvousChoice.choose(this.key, java.util.List.of("b", "c"), (id) -> id);
		assertThat(best(Set.of())).isEqualTo(expected);
	}

	@Test
	void overflowShouldBeTheLeastLoadedFitCandidateWithAFreePermit() {
		InstanceStats home = this.topology.get("a");
		this.topology.get("b").inflight.set(5);
		this.topology.get("c").inflight.set(2);
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of(), this.config, NOW).id).isEqualTo("c");
		this.topology.get("c").admission = PowerOfTwoChoicesTests.saturated();
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of(), this.config, NOW).id).isEqualTo("b");
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of("b"), this.config, NOW)).isNull();
	}

	@Test
	void anyFreeShouldLookAtFitCandidatesAfterHome() {
		assertThat(this.fallback.anyFree(this.topology, this.key, "a", Set.of(), this.config, NOW)).isTrue();
		this.topology.get("b").admission = PowerOfTwoChoicesTests.saturated();
		this.topology.get("c").slow = true;
		assertThat(this.fallback.anyFree(this.topology, this.key, "a", Set.of(), this.config, NOW)).isFalse();
	}

	private String best(Set<String> excluded) {
		return this.fallback.best(this.topology, this.key, "a", excluded, 0, this.config, NOW).id;
	}

}
