package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A scenario of issue 9, run by {@link ClosedLoopRun}: closed-loop clients (each sends
 * its next request when the previous one ended, after a think time) against a small
 * fleet, as in the end-to-end comparison with HAProxy. Immutable.
 *
 * @param id short name
 * @param title what a reader sees
 * @param instances instances, named {@code instance-1} ...
 * @param workers requests each instance serves at once (its permits)
 * @param serviceMillis service time of a request (fixed, like a CPU-bound worker, unless
 * {@code exponential})
 * @param exponential whether service times are exponential with that mean
 * @param sessions ordinary flows, one client each; {@code 0} for keyless clients
 * @param keylessClients clients without a flow key (with {@code sessions == 0})
 * @param hotClients clients sharing one extra flow (the hot session), {@code 0} for none
 * @param burstThinkMillis think time within a burst (exponential mean); a session sends
 * bursts of one request at a time
 * @param pauseThinkMillis think time between bursts (exponential mean)
 * @param burstContinue probability that a burst goes on after a request
 * @param hotThinkMillis think time of a hot client (exponential mean)
 * @param healthCheckMillis interval of the health checks ({@code 0} for none)
 * @param duration simulated time
 * @param measureFrom start of the measured period (warm-up before it)
 * @param changes what happens to the fleet when (only slowdowns)
 */
public record ClosedLoopScenario(String id, String title, int instances, int workers, double serviceMillis,
		boolean exponential, int sessions, int keylessClients, int hotClients, double burstThinkMillis,
		double pauseThinkMillis, double burstContinue, double hotThinkMillis, long healthCheckMillis, Duration duration,
		Duration measureFrom, List<Slowdown> changes) {

	/**
	 * Draw a client's think time before its next request: sessions think within a burst
	 * or between bursts, keyless clients not at all, hot clients their own time (all
	 * exponential).
	 * @param client the client: sessions first, then keyless clients, then hot ones
	 * @param random the run's randomness
	 * @return nanoseconds
	 */
	long thinkNanos(int client, SplittableRandom random) {
		double mean;
		if (client < this.sessions) {
			mean = (random.nextDouble() < this.burstContinue) ? this.burstThinkMillis : this.pauseThinkMillis;
		}
		else if (client < this.sessions + this.keylessClients) {
			return 0;
		}
		else {
			mean = this.hotThinkMillis;
		}
		return (long) (mean * 1e6 * -Math.log(1 - random.nextDouble()));
	}

	/**
	 * One instance's service time multiplied from a time on.
	 *
	 * @param at when
	 * @param instanceId which
	 * @param factor the multiplier
	 */
	public record Slowdown(Duration at, String instanceId, double factor) {
	}

}
