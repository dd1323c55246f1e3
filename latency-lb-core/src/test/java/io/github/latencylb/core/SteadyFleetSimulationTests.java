package io.github.latencylb.core;

import java.time.Duration;
import java.util.Set;

import io.github.latencylb.core.SteadyFleetSimulation.Scenario;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification: with a healthy, steady fleet (same exponential service time everywhere)
 * no flow ever changes instance, and after warm-up the only fallback is the bounded-load
 * cap placing a new flow.
 */
class SteadyFleetSimulationTests {

	private static final Set<DecisionReason> STEADY = Set.of(DecisionReason.HOME, DecisionReason.PINNED,
			DecisionReason.NEW_FLOW, DecisionReason.FALLBACK_OVERLOADED);

	@Test
	void busyHealthyFleetShouldNeverMoveAFlow() {
		// 3,000 concurrent flows (13,000 over the run), bursts of 1-4 concurrent
		// requests,
		// about 7,300 requests/s, about 9 in flight per instance: 1.3 million requests.
		Scenario scenario = new Scenario(8, 3000, Duration.ofMillis(10), Duration.ofSeconds(1), 4, 50,
				Duration.ofSeconds(10), Duration.ofMinutes(3), Duration.ofSeconds(15));
		SteadyFleetSimulation sim = new SteadyFleetSimulation(scenario, 1).run();
		assertThat(sim.requests).isGreaterThan(1_000_000);
		assertThat(sim.flowsStarted).isGreaterThan(10_000);
		assertThat(sim.peakInflight).isGreaterThan(100);
		assertSteady(sim);
		// The cap does place some new flows away from home at this concurrency (measured:
		// about a quarter); they stay there.
		assertThat(sim.afterWarmUp(DecisionReason.FALLBACK_OVERLOADED)).isPositive();
		assertThat(sim.afterWarmUp(DecisionReason.PINNED)).isPositive();
	}

	@Test
	void quietHealthyFleetShouldNeverMoveAFlowOverAnHour() {
		// 20 flows, about 30 requests/s in all, under 4 per instance: windows hold few
		// samples, so a median is noisy. The scheduler moved about 130 flows an hour here
		// when a bare median over minSamples decided slowness.
		Scenario scenario = new Scenario(8, 20, Duration.ofMillis(10), Duration.ofSeconds(1), 2, 50,
				Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(15));
		SteadyFleetSimulation sim = new SteadyFleetSimulation(scenario, 1).run();
		assertThat(sim.requests).isGreaterThan(100_000);
		assertSteady(sim);
	}

	@Test
	void busyHealthyFleetShouldNeverMoveAFlowWhateverTheSeed() {
		for (long seed = 2; seed <= 4; seed++) {
			Scenario scenario = new Scenario(8, 3000, Duration.ofMillis(10), Duration.ofSeconds(1), 4, 50,
					Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15));
			assertSteady(new SteadyFleetSimulation(scenario, seed).run());
		}
	}

	private static void assertSteady(SteadyFleetSimulation sim) {
		Scheduler scheduler = sim.fleet.scheduler;
		for (MoveCause cause : MoveCause.values()) {
			assertThat(scheduler.counters().moves(cause)).as(cause.name()).isZero();
		}
		assertThat(sim.flowsThatChangedInstance).isZero();
		assertThat(sim.fallbacksOfExistingFlowsAfterWarmUp).isZero();
		assertThat(STEADY).containsAll(sim.reasonsAfterWarmUp.keySet());
		assertThat(scheduler.snapshot().instances()).noneMatch(SchedulerSnapshot.Instance::slow);
		assertThat(scheduler.snapshot().deferredMoves()).isZero();
	}

}
