package io.github.latencylb.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
		this.topology.get("c").inflight = 8;
		assertThat(best(Set.of())).isEqualTo("b");
	}

	@Test
	void bestShouldSpreadNearEqualCandidatesByRendezvousOnTheKey() {
		this.topology.get("b").ewma.observe(3_000_000, NOW);
		this.topology.get("c").ewma.observe(3_100_000, NOW);
		String expected = RendezvousChoice.choose(this.key, List.of("b", "c"), (id) -> id);
		assertThat(best(Set.of())).isEqualTo(expected);
	}

	@Test
	void overflowShouldBeTheLeastLoadedFitCandidateWithAFreePermit() {
		InstanceStats home = this.topology.get("a");
		this.topology.get("b").inflight = 5;
		this.topology.get("c").inflight = 2;
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of(), this.config, NOW).id).isEqualTo("c");
		this.topology.get("c").admission = PowerOfTwoChoicesTests.saturated();
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of(), this.config, NOW).id).isEqualTo("b");
		assertThat(this.fallback.overflow(this.topology, this.key, home, Set.of("b"), this.config, NOW)).isNull();
	}

	@Test
	void overflowShouldLookBeyondTheRingCandidatesForAnyFitInstanceWithAFreePermit() {
		Topology five = TestTopology.of(NOW, "a", "b", "c", "d", "e");
		long key = TestTopology.keyHomedAt(five, "a");
		InstanceStats home = five.get("a");
		List<String> candidates = saturateRingCandidates(five, key, "a");
		String beyond = other(five, home.id, candidates);
		five.get(beyond).inflight = 7;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW).id).isEqualTo(beyond);
		// A ring candidate with a free permit comes first, however loaded.
		five.get(candidates.get(2)).admission = AdmissionHandle.NONE;
		five.get(candidates.get(2)).inflight = 30;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW).id).isEqualTo(candidates.get(2));
	}

	@Test
	void overflowShouldSkipExcludedSlowDrainingEjectedAndColdInstances() {
		Topology five = TestTopology.of(NOW, "a", "b", "c", "d", "e");
		long key = TestTopology.keyHomedAt(five, "a");
		InstanceStats home = five.get("a");
		List<String> candidates = saturateRingCandidates(five, key, "a");
		String beyond = other(five, home.id, candidates);
		InstanceStats free = five.get(beyond);
		assertThat(this.fallback.overflow(five, key, home, Set.of(beyond), this.config, NOW)).isNull();
		free.slow = true;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW)).isNull();
		free.slow = false;
		free.draining = true;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW)).isNull();
		free.draining = false;
		free.ejectedUntilNanos = NOW + 1_000_000_000L;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW)).isNull();
		free.ejectedUntilNanos = NOW - 1;
		assertThat(this.fallback.overflow(five, key, home, Set.of(), this.config, NOW)).isSameAs(free);
		// Seen 1 s ago, 30 s of slow start: warmth 0.1, too cold for most flows.
		Map<String, InstanceStats> instances = new LinkedHashMap<>(five.instances);
		instances.put(beyond, new InstanceStats(beyond, 1, NOW - 1_000_000_000L, false, this.config));
		Topology cold = new Topology(instances, five.ring, true);
		cold.fit = List.copyOf(instances.values());
		long coldKey = key;
		while (!cold.ring.home(coldKey).equals("a") || SlowStartGate.admitsFlow(0.1, coldKey)) {
			coldKey += 0x9E3779B97F4A7C15L;
		}
		for (String id : List.of("b", "c", "d", "e")) {
			cold.get(id).admission = id.equals(beyond) ? AdmissionHandle.NONE : PowerOfTwoChoicesTests.saturated();
		}
		assertThat(this.fallback.overflow(cold, coldKey, home, Set.of(), this.config, NOW)).isNull();
		cold.get(beyond).admission = PowerOfTwoChoicesTests.saturated();
		cold.get(candidates.get(0)).admission = AdmissionHandle.NONE;
		assertThat(this.fallback.overflow(cold, coldKey, home, Set.of(), this.config, NOW).id)
			.isEqualTo(candidates.get(0));
	}

	@Test
	void anyFreeShouldLookAtFitCandidatesAfterHome() {
		assertThat(this.fallback.anyFree(this.topology, this.key, "a", Set.of(), this.config, NOW)).isTrue();
		this.topology.get("b").admission = PowerOfTwoChoicesTests.saturated();
		this.topology.get("c").slow = true;
		assertThat(this.fallback.anyFree(this.topology, this.key, "a", Set.of(), this.config, NOW)).isFalse();
	}

	private static String other(Topology topology, String home, List<String> candidates) {
		for (String id : topology.instances.keySet()) {
			if (!id.equals(home) && !candidates.contains(id)) {
				return id;
			}
		}
		throw new IllegalStateException("no instance beyond the candidates");
	}

	private String best(Set<String> excluded) {
		return this.fallback.best(this.topology, this.key, "a", excluded, 0, this.config, NOW).id;
	}

	/**
	 * Saturate the ring candidates after a flow's home.
	 * @param topology the instance set
	 * @param key the flow's hash
	 * @param homeId the flow's home
	 * @return the candidates, in ring order
	 */
	private List<String> saturateRingCandidates(Topology topology, long key, String homeId) {
		List<String> candidates = topology.ring.preferenceList(key, this.config.fallback().candidates(),
				(id) -> !id.equals(homeId));
		candidates.forEach((id) -> topology.get(id).admission = PowerOfTwoChoicesTests.saturated());
		return candidates;
	}

}
