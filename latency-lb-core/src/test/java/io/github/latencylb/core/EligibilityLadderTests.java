package io.github.latencylb.core;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EligibilityLadder}: fit, then usable, then not excluded, then any; the same
 * rungs for keyless requests and ring fallbacks.
 */
class EligibilityLadderTests {

	private static final long NOW = 5_000_000_000L;

	private final Topology topology = TestTopology.of(NOW, "a", "b", "c");

	private final InstanceStats a = this.topology.get("a");

	private final InstanceStats b = this.topology.get("b");

	private final InstanceStats c = this.topology.get("c");

	@Test
	void unfitnessShouldRankFitThenSlowOrDrainingThenEjected() {
		this.b.slow = true;
		this.c.ejectedUntilNanos = NOW + 1;
		assertThat(EligibilityLadder.unfitness(this.a, NOW)).isZero();
		assertThat(EligibilityLadder.unfitness(this.b, NOW)).isOne();
		assertThat(EligibilityLadder.unfitness(this.c, NOW)).isEqualTo(2);
		assertThat(EligibilityLadder.unfitness(this.c, NOW + 1)).isZero();
		this.a.draining = true;
		assertThat(EligibilityLadder.unfitness(this.a, NOW)).isOne();
	}

	@Test
	void eligibleShouldBeTheFitListWhenNothingIsExcluded() {
		this.topology.fit = List.of(this.a, this.b);
		assertThat(EligibilityLadder.eligible(this.topology, Set.of(), NOW)).isSameAs(this.topology.fit);
		assertThat(EligibilityLadder.eligible(this.topology, Set.of("a"), NOW)).containsExactly(this.b);
	}

	@Test
	void eligibleShouldClimbDownTheRungs() {
		this.topology.fit = List.of(this.a);
		this.b.slow = true;
		this.c.draining = true;
		// Nothing fit left: usable (slow b), not the draining one.
		assertThat(EligibilityLadder.eligible(this.topology, Set.of("a"), NOW)).containsExactly(this.b);
		// Nothing usable left: anything not excluded (draining c).
		assertThat(EligibilityLadder.eligible(this.topology, Set.of("a", "b"), NOW)).containsExactly(this.c);
		// Everything excluded: anything.
		assertThat(EligibilityLadder.eligible(this.topology, Set.of("a", "b", "c"), NOW))
			.containsExactlyInAnyOrder(this.a, this.b, this.c);
	}

	@Test
	void onRingShouldSkipHomeOnlyOnTheFitRung() {
		long key = TestTopology.keyHomedAt(this.topology, "a");
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of(), NOW)).containsExactlyInAnyOrder("b",
				"c");
		this.b.slow = true;
		this.c.ejectedUntilNanos = NOW + 1_000;
		this.a.slow = true;
		// No fit instance: usable ones, home included.
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of(), NOW)).containsExactlyInAnyOrder("a",
				"b");
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of("a", "b"), NOW)).containsExactly("c");
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of("a", "b", "c"), NOW))
			.containsExactly("a");
	}

	@Test
	void onRingShouldPreferASlowInstanceToADrainingOneInPanic() {
		long key = TestTopology.keyHomedAt(this.topology, "a");
		this.a.ejectedUntilNanos = NOW + 1_000;
		this.b.draining = true;
		this.c.slow = true;
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of(), NOW)).containsExactly("c");
		assertThat(EligibilityLadder.onRing(this.topology, key, 3, "a", Set.of("c"), NOW))
			.containsExactlyInAnyOrder("a", "b");
	}

}
