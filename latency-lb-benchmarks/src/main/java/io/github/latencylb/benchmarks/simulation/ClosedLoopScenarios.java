package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.List;

import io.github.latencylb.benchmarks.simulation.ClosedLoopScenario.Slowdown;

/**
 * Issue 9's scenarios, as measured end to end against HAProxy 2.6.
 */
public final class ClosedLoopScenarios {

	private ClosedLoopScenarios() {
	}

	/**
	 * Return every scenario, in order.
	 * @return the scenarios
	 */
	public static List<ClosedLoopScenario> all() {
		return List.of(surge(), burstyHealthy(), degrade(), hotSession(), exponentialSlowInstance());
	}

	/**
	 * Surge: 3 instances x 2 workers, 40 ms; 300 keyless clients against 150 requests/s
	 * of capacity; a health check every 200 ms with a 1 s timeout.
	 * @return the scenario
	 */
	public static ClosedLoopScenario surge() {
		return new ClosedLoopScenario("cl-surge", "Surge: 300 clients on 150 req/s", 3, 2, 40, false, 0, 300, 0, 0, 0,
				0, 0, 200, Duration.ofSeconds(60), Duration.ofSeconds(15), List.of());
	}

	/**
	 * Healthy fleet at about a third of capacity with bursty sessions: 4 x 4, 20 ms, 200
	 * sessions sending bursts of about 5 requests, one at a time.
	 * @return the scenario
	 */
	public static ClosedLoopScenario burstyHealthy() {
		return bursty("cl-bursty", "Healthy fleet at a third of capacity, bursty sessions", false, List.of());
	}

	/**
	 * The bursty fleet, instance-1 10x slower (200 ms) from 30 s on, under its pinned
	 * flows.
	 * @return the scenario
	 */
	public static ClosedLoopScenario degrade() {
		return bursty("cl-degrade", "Degrade: instance-1 10x slower from 30 s", false,
				List.of(new Slowdown(Duration.ofSeconds(30), "instance-1", 10)));
	}

	/**
	 * Hot session: one cookie shared by 30 clients (more than one instance can serve)
	 * among 99 bursty sessions.
	 * @return the scenario
	 */
	public static ClosedLoopScenario hotSession() {
		return new ClosedLoopScenario("cl-hot", "Hot session: 1 cookie x 30 clients among 99 sessions", 4, 4, 20, false,
				99, 0, 30, 5, 3_600, 0.8, 40, 0, Duration.ofSeconds(60), Duration.ofSeconds(10), List.of());
	}

	/**
	 * Exponential service times (20 ms mean), instance-1 5x slower from the start: its
	 * flows are placed elsewhere in the first seconds (a flow moves at its first request
	 * after the verdict), then nothing should move: measured from 20 s on.
	 * @return the scenario
	 */
	public static ClosedLoopScenario exponentialSlowInstance() {
		ClosedLoopScenario base = bursty("cl-exp-5x", "Exponential service, instance-1 5x slower from the start", true,
				List.of(new Slowdown(Duration.ZERO, "instance-1", 5)));
		return new ClosedLoopScenario(base.id(), base.title(), base.instances(), base.workers(), base.serviceMillis(),
				true, base.sessions(), 0, 0, base.burstThinkMillis(), base.pauseThinkMillis(), base.burstContinue(), 0,
				0, Duration.ofSeconds(80), Duration.ofSeconds(20), base.changes());
	}

	private static ClosedLoopScenario bursty(String id, String title, boolean exponential, List<Slowdown> changes) {
		// Cycle per session ~ 0.8 x 5 ms + 0.2 x 3.6 s + 20 ms = 744 ms: 269 req/s of
		// 800.
		return new ClosedLoopScenario(id, title, 4, 4, 20, exponential, 200, 0, 0, 5, 3_600, 0.8, 0, 0,
				Duration.ofSeconds(60), Duration.ofSeconds(10), changes);
	}

}
