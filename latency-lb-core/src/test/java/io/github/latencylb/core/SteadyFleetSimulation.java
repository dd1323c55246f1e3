package io.github.latencylb.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Discrete-event simulation of a healthy, steady fleet: every instance has the same
 * exponential service time (no queueing), flows arrive over a ramp, send bursts of
 * concurrent requests separated by exponential think times, and end after a geometric
 * number of bursts, replaced by new flows. Records where every flow's requests went and
 * every decision's reason.
 */
final class SteadyFleetSimulation {

	final Fleet fleet;

	private final Scenario scenario;

	private final EventLoop loop;

	private final SplittableRandom random;

	private final Map<Long, String> firstInstance = new HashMap<>();

	private final long warmUpEnd;

	final Map<DecisionReason, Long> reasonsAfterWarmUp = new EnumMap<>(DecisionReason.class);

	long requests;

	long flowsStarted;

	long flowsThatChangedInstance;

	long fallbacksOfExistingFlowsAfterWarmUp;

	int peakInflight;

	SteadyFleetSimulation(Scenario scenario, long seed) {
		this.scenario = scenario;
		this.fleet = new Fleet(SchedulerConfig.ofDefaults(), scenario.instances(), seed);
		this.loop = new EventLoop(this.fleet.clock);
		this.random = new SplittableRandom(seed * 31 + 7);
		this.warmUpEnd = this.fleet.clock.nanoTime() + scenario.warmUp().toNanos();
	}

	SteadyFleetSimulation run() {
		start();
		advance(this.scenario.duration());
		return this;
	}

	/**
	 * Schedule the flows' arrivals.
	 */
	void start() {
		for (int i = 0; i < this.scenario.flows(); i++) {
			long start = (long) (this.random.nextDouble() * this.scenario.rampUp().toNanos());
			this.loop.after(start, this::startFlow);
		}
	}

	/**
	 * Run the simulation for a while.
	 */
	void advance(Duration duration) {
		this.loop.runFor(duration.toNanos());
	}

	private void startFlow() {
		this.flowsStarted++;
		burst(this.fleet.newKey(), true);
	}

	private void burst(long key, boolean first) {
		int size = 1 + this.random.nextInt(this.scenario.maxBurst());
		for (int i = 0; i < size; i++) {
			request(key, first && i == 0);
		}
		if (this.random.nextDouble() < 1 / this.scenario.meanBursts()) {
			this.firstInstance.remove(key);
			this.loop.after(exponential(this.scenario.meanThinkTime()), this::startFlow);
		}
		else {
			this.loop.after(exponential(this.scenario.meanThinkTime()), () -> burst(key, false));
		}
	}

	private void request(long key, boolean newFlow) {
		Decision decision = this.fleet.flow(key);
		String previous = this.firstInstance.putIfAbsent(key, decision.instanceId());
		if (previous != null && !previous.equals(decision.instanceId())) {
			this.flowsThatChangedInstance++;
			this.firstInstance.put(key, decision.instanceId());
		}
		if (this.fleet.clock.nanoTime() - this.warmUpEnd >= 0) {
			this.reasonsAfterWarmUp.merge(decision.reason(), 1L, Long::sum);
			if (!newFlow && decision.reason().name().startsWith("FALLBACK_")) {
				this.fallbacksOfExistingFlowsAfterWarmUp++;
			}
		}
		this.requests++;
		Lease lease = this.fleet.scheduler.start(decision);
		this.peakInflight = Math.max(this.peakInflight, this.fleet.scheduler.totalInflight());
		this.loop.after(exponential(this.scenario.meanServiceTime()), () -> {
			lease.recordResponse(false);
			lease.release();
		});
	}

	private long exponential(Duration mean) {
		return (long) (-Math.log(1 - this.random.nextDouble()) * mean.toNanos());
	}

	long afterWarmUp(DecisionReason reason) {
		return this.reasonsAfterWarmUp.getOrDefault(reason, 0L);
	}

	/**
	 * Scenario parameters.
	 *
	 * @param instances fleet size
	 * @param flows concurrent flows
	 * @param meanServiceTime mean of the exponential service time, the same everywhere
	 * @param meanThinkTime mean pause between a flow's bursts
	 * @param maxBurst a burst sends 1 to this many concurrent requests
	 * @param meanBursts mean bursts in a flow's life (geometric)
	 * @param rampUp flows start uniformly over this period
	 * @param duration simulated time
	 * @param warmUp decisions before this are not counted as after warm-up
	 */
	record Scenario(int instances, int flows, Duration meanServiceTime, Duration meanThinkTime, int maxBurst,
			double meanBursts, Duration rampUp, Duration duration, Duration warmUp) {
	}

}
