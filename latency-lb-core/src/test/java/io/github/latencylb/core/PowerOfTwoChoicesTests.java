package io.github.latencylb.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link PowerOfTwoChoices}: of two distinct random instances, the unsaturated, then the
 * one within its cap, then the lower score.
 */
class PowerOfTwoChoicesTests {

	private static final long NOW = 5_000_000_000L;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final PowerOfTwoChoices twoChoices = new PowerOfTwoChoices(new SplittableRandom(1), new PeakEwmaCost());

	private final Topology topology = TestTopology.of(NOW, "a", "b");

	private final InstanceStats a = this.topology.get("a");

	private final InstanceStats b = this.topology.get("b");

	@Test
	void shouldPickTheLowerScoreOfTwo() {
		this.a.ewma.observe(1_000_000, NOW);
		this.b.ewma.observe(3_000_000, NOW);
		for (int i = 0; i < 100; i++) {
			assertThat(choose()).isSameAs(this.a);
		}
	}

	@Test
	void shouldAvoidASaturatedInstanceWhateverItsScore() {
		this.a.ewma.observe(1_000_000, NOW);
		this.b.ewma.observe(30_000_000, NOW);
		this.a.admission = saturated();
		for (int i = 0; i < 100; i++) {
			assertThat(choose()).isSameAs(this.b);
		}
	}

	@Test
	void shouldAvoidAnInstanceOverItsCap() {
		this.a.ewma.observe(1_000_000, NOW);
		this.b.ewma.observe(30_000_000, NOW);
		this.a.inflight = 8;
		for (int i = 0; i < 100; i++) {
			assertThat(this.twoChoices.choose(List.of(this.a, this.b), 2, 8, this.config, NOW)).isSameAs(this.b);
		}
	}

	@Test
	void shouldChooseTheOnlyEligibleInstance() {
		assertThat(this.twoChoices.choose(this.topology, Set.of("a"), 0, this.config, NOW)).isSameAs(this.b);
	}

	@Test
	void shouldDrawTwoDistinctInstancesUniformly() {
		Topology five = TestTopology.of(NOW, "p", "q", "r", "s", "t");
		// No samples anywhere: every pair ties, and a tie goes to the first drawn, so
		// the first draw alone decides: each instance a fifth of the time.
		Map<String, Integer> wins = new HashMap<>();
		int draws = 50_000;
		for (int k = 0; k < draws; k++) {
			wins.merge(this.twoChoices.choose(five, Set.of(), 0, this.config, NOW).id, 1, Integer::sum);
		}
		assertThat(wins).hasSize(5);
		wins.values().forEach((count) -> assertThat(count / (double) draws).isCloseTo(0.2, within(0.01)));
		// Four saturated instances and a free one: it wins whenever it is one of the two,
		// 1 - C(4,2) / C(5,2) = 40% of the time with distinct draws (36% if both draws
		// could fall on the same instance).
		for (String id : List.of("p", "q", "r", "s")) {
			five.get(id).admission = saturated();
		}
		int free = 0;
		for (int k = 0; k < draws; k++) {
			free += (this.twoChoices.choose(five, Set.of(), 0, this.config, NOW) == five.get("t")) ? 1 : 0;
		}
		assertThat(free / (double) draws).isCloseTo(0.4, within(0.01));
	}

	private InstanceStats choose() {
		return this.twoChoices.choose(this.topology, Set.of(), 0, this.config, NOW);
	}

	static AdmissionHandle saturated() {
		return new AdmissionHandle() {

			@Override
			public boolean hasFreePermit() {
				return false;
			}

			@Override
			public boolean saturated() {
				return true;
			}

		};
	}

}
