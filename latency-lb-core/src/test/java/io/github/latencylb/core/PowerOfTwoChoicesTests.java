package io.github.latencylb.core;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
		this.a.inflight.set(8);
		for (int i = 0; i < 100; i++) {
			assertThat(this.twoChoices.choose(List.of(this.a, this.b), 2, 8, this.config, NOW)).isSameAs(this.b);
		}
	}

	@Test
	void shouldChooseTheOnlyEligibleInstance() {
		assertThat(this.twoChoices.choose(this.topology, Set.of("a"), 0, this.config, NOW)).isSameAs(this.b);
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
