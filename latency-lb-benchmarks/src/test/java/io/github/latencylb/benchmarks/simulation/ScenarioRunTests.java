package io.github.latencylb.benchmarks.simulation;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The simulation is deterministic and measures what it claims.
 */
class ScenarioRunTests {

	@Test
	void runWithTheSameSeedShouldGiveTheSameFigures() {
		SimulationResult first = ScenarioRun.run(Scenarios.degradeAndRecover(), PolicyKind.HYBRID_ADMISSION, true, 7);
		SimulationResult second = ScenarioRun.run(Scenarios.degradeAndRecover(), PolicyKind.HYBRID_ADMISSION, true, 7);
		assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
		assertThat(second.windowP99Millis()).containsExactly(first.windowP99Millis());
	}

	@Test
	void runWithAnotherSeedShouldGiveOtherFigures() {
		SimulationResult first = ScenarioRun.run(Scenarios.steady(), PolicyKind.P2C_PEAK_EWMA, true, 7);
		SimulationResult other = ScenarioRun.run(Scenarios.steady(), PolicyKind.P2C_PEAK_EWMA, true, 8);
		assertThat(other.fingerprint()).isNotEqualTo(first.fingerprint());
	}

	@Test
	void everyPolicyShouldFaceTheSameRequests() {
		SimulationResult roundRobin = ScenarioRun.run(Scenarios.steady(), PolicyKind.ROUND_ROBIN, true, 7);
		SimulationResult ring = ScenarioRun.run(Scenarios.steady(), PolicyKind.RING_HASH, true, 7);
		assertThat(ring.requests()).isEqualTo(roundRobin.requests());
		assertThat(ring.healthChecks()).isEqualTo(roundRobin.healthChecks());
		// 70% of 3,200/s for 60 s.
		assertThat(roundRobin.requests()).isCloseTo(134_400, within(2_000L));
	}

	@Test
	void roundRobinOnHomogeneousFleetShouldSpreadLoadEvenly() {
		SimulationResult result = ScenarioRun.run(Scenarios.steady(), PolicyKind.ROUND_ROBIN, true, 7);
		assertThat(result.peakToMean()).isCloseTo(1.0, within(0.01));
		assertThat(result.failed()).isZero();
		assertThat(result.healthCheckSuccess()).isEqualTo(1.0);
	}

	@Test
	void roundRobinShouldMoveAlmostEveryRequestOfAFlow() {
		SimulationResult result = ScenarioRun.run(Scenarios.steady(), PolicyKind.ROUND_ROBIN, true, 7);
		// A flow's next request lands on its previous instance about 1 time in 8.
		assertThat(result.unforcedMoveShare()).isBetween(0.6, 0.9);
		assertThat(result.forcedMoves()).isZero();
	}

	@Test
	void hashingOnSteadyFleetShouldNeverMoveAFlow() {
		for (PolicyKind kind : new PolicyKind[] { PolicyKind.RING_HASH, PolicyKind.HYBRID }) {
			SimulationResult result = ScenarioRun.run(Scenarios.steady(), kind, true, 7);
			assertThat(result.unforcedMoves()).as(kind.label()).isZero();
			assertThat(result.forcedMoves()).as(kind.label()).isZero();
		}
	}

	@Test
	void removedInstanceShouldForceItsFlowsToMove() {
		SimulationResult result = ScenarioRun.run(Scenarios.removeAndAdd(), PolicyKind.RING_HASH, true, 7);
		// Each flow of instance-8 moves once; then instance-9 takes about a ninth of the
		// flows, unforced.
		assertThat(result.forcedMoves()).isPositive();
		assertThat(result.unforcedMoves()).isPositive();
		assertThat(result.forcedMoveShare()).isLessThan(0.05);
	}

	@Test
	void hotFlowShouldOverloadItsRingHome() {
		SimulationResult result = ScenarioRun.run(Scenarios.hotFlow(), PolicyKind.RING_HASH, true, 7);
		// 30% + 70% / 8 on one instance against 12.5% on average.
		assertThat(result.peakToMean()).isGreaterThan(2.5);
	}

	@Test
	void healthCheckPriorityShouldPassMoreHealthChecksInSurge() {
		SimulationResult priority = ScenarioRun.run(Scenarios.surge(), PolicyKind.ROUND_ROBIN, true, 7);
		SimulationResult fifo = ScenarioRun.run(Scenarios.surge(), PolicyKind.ROUND_ROBIN, false, 7);
		assertThat(priority.healthCheckSuccess()).isGreaterThan(fifo.healthCheckSuccess());
		assertThat(fifo.healthChecksExpired()).isPositive();
	}

}
