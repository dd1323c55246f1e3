package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import io.github.latencylb.benchmarks.simulation.Policy.Pick;
import io.github.latencylb.core.StableHash;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.Ticket;

/**
 * Runs one policy on one scenario, in simulated time, and measures it. Requests arrive as
 * a Poisson process; each belongs to a flow drawn from the scenario's popularity law and
 * carries an amount of work drawn at arrival (exponential, mean 1), which an instance
 * turns into a service time with its current mean. Arrivals, flows and work come from one
 * seeded stream and the policy's randomness from another, so every policy of a scenario
 * faces exactly the same requests (common random numbers) and a run is a pure function of
 * its seed.
 * <p>
 * Every instance admits {@code workers} requests at once; the others wait in its
 * {@code PriorityAdmissionQueue} (at most {@value #QUEUE_MAX_LENGTH}, for at most 5 s,
 * the starter's defaults), then fail. Health checks are keyless requests sent through the
 * policy every 100 ms, with a tenth of a regular request's work and a 1 s timeout; with
 * {@code priority} they wait in priority class -2047, else with everyone (class 0).
 * Retries are not modelled.
 */
public final class ScenarioRun {

	static final int QUEUE_MAX_LENGTH = 1000;

	static final long QUEUE_TIMEOUT = Duration.ofSeconds(5).toNanos();

	static final long HEALTH_CHECK_INTERVAL = Duration.ofMillis(100).toNanos();

	static final long HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(1).toNanos();

	static final double HEALTH_CHECK_WORK = 0.1;

	static final int HEALTH_CHECK_CLASS = -2047;

	static final long WINDOW = Duration.ofSeconds(1).toNanos();

	static final long EXPIRY_TICK = Duration.ofMillis(5).toNanos();

	private final Scenario scenario;

	private final PolicyKind kind;

	private final boolean priority;

	private final SimulatedClock clock = new SimulatedClock();

	private final DiscreteEventLoop loop = new DiscreteEventLoop(this.clock);

	private final SplittableRandom arrivals;

	private final SplittableRandom healthWork;

	private final FlowPopularity popularity;

	private final long[] flowKeys;

	private final FlowMoves moves;

	private final Map<String, SimulatedInstance> byId = new HashMap<>();

	private final List<SimulatedInstance> all = new ArrayList<>();

	private final Policy policy;

	private double ratePerNano;

	private long arrivalGeneration;

	private boolean stopped;

	private final RunMetrics metrics = new RunMetrics();

	private ScenarioRun(Scenario scenario, PolicyKind kind, boolean priority, long seed) {
		this.scenario = scenario;
		this.kind = kind;
		this.priority = priority;
		this.arrivals = new SplittableRandom(seed);
		this.healthWork = new SplittableRandom(seed ^ 0x4EA1_7C4EL);
		this.popularity = new FlowPopularity(scenario.flows(), scenario.zipfExponent(), scenario.hotFlowShare());
		this.flowKeys = new long[scenario.flows()];
		for (int i = 0; i < this.flowKeys.length; i++) {
			this.flowKeys[i] = StableHash.hash(seed, i);
		}
		this.moves = new FlowMoves(scenario.flows());
		this.policy = kind.create(this.clock, new SplittableRandom(seed * 31 + 17), new QueueAdmissionView(this.byId));
	}

	/**
	 * Run a policy on a scenario.
	 * @param scenario the scenario
	 * @param kind the policy
	 * @param priority whether health checks have priority in the instance queues
	 * @param seed the seed of arrivals, flows, work and the policy's randomness
	 * @return the figures
	 */
	public static SimulationResult run(Scenario scenario, PolicyKind kind, boolean priority, long seed) {
		return new ScenarioRun(scenario, kind, priority, seed).run();
	}

	private SimulationResult run() {
		for (int i = 1; i <= this.scenario.instances(); i++) {
			addInstance("instance-" + i);
		}
		instancesChanged();
		setLoad(this.scenario.load());
		Scenario.FleetControl control = new Control();
		for (Scenario.Change change : this.scenario.changes()) {
			this.loop.at(change.at().toNanos(), () -> change.action().accept(control));
		}
		this.loop.at(0, this::healthCheck);
		this.loop.at(EXPIRY_TICK, this::expiryTick);
		this.loop.at(WINDOW, this::windowTick);
		long end = this.scenario.duration().toNanos();
		this.loop.at(end, () -> this.stopped = true);
		// Arrivals and health checks stop at the end; what was sent still completes.
		this.loop.runUntil(end + QUEUE_TIMEOUT + Duration.ofMinutes(1).toNanos());
		return this.metrics.result(this.scenario.id(), this.kind, this.priority, details());
	}

	private void setLoad(double load) {
		this.ratePerNano = load * this.scenario.capacityPerSecond() / 1e9;
		// Memoryless: drawing the next arrival afresh at a rate change is exact.
		long generation = ++this.arrivalGeneration;
		scheduleArrival(generation);
	}

	private void scheduleArrival(long generation) {
		double gap = -Math.log(1 - this.arrivals.nextDouble()) / this.ratePerNano;
		this.loop.at(this.clock.nanoTime() + (long) Math.ceil(gap), () -> {
			if (generation == this.arrivalGeneration && !this.stopped) {
				scheduleArrival(generation);
				arrive();
			}
		});
	}

	private void arrive() {
		int flow = this.popularity.sample(this.arrivals);
		double work = -Math.log(1 - this.arrivals.nextDouble());
		long now = this.clock.nanoTime();
		Pick pick = this.policy.choose(this.flowKeys[flow], false);
		SimulatedInstance instance = this.byId.get(pick.instanceId());
		this.metrics.requests++;
		instance.windowDispatched++;
		this.moves.dispatched(flow, instance.index, pick.forcedMove(), this.all, this.metrics);
		Ticket ticket = instance.queue.acquire(0, 0, now + QUEUE_TIMEOUT);
		ticket.granted().whenComplete((granted, ex) -> {
			if (ex != null) {
				pick.completed(true);
				this.metrics.failed++;
				this.moves.failed(flow, instance.index);
				return;
			}
			pick.admitted();
			serve(instance, ticket, work, () -> {
				pick.completed(false);
				this.metrics.recordLatency(this.clock.nanoTime() - now);
			});
		});
	}

	private void healthCheck() {
		if (this.stopped) {
			return;
		}
		this.loop.at(this.clock.nanoTime() + HEALTH_CHECK_INTERVAL, this::healthCheck);
		double work = HEALTH_CHECK_WORK * -Math.log(1 - this.healthWork.nextDouble());
		long now = this.clock.nanoTime();
		Pick pick = this.policy.choose(0, true);
		SimulatedInstance instance = this.byId.get(pick.instanceId());
		this.metrics.healthChecks++;
		this.metrics.windowHealthChecks++;
		int priorityClass = this.priority ? HEALTH_CHECK_CLASS : 0;
		Ticket ticket = instance.queue.acquire(priorityClass, 0, now + HEALTH_CHECK_TIMEOUT);
		ticket.granted().whenComplete((granted, ex) -> {
			if (ex != null) {
				pick.completed(true);
				if (ex instanceof AdmissionRejectedException rejected
						&& rejected.cause() == AdmissionRejectedException.Cause.FULL) {
					this.metrics.healthChecksQueueFull++;
				}
				else {
					this.metrics.healthChecksExpired++;
				}
				return;
			}
			pick.admitted();
			serve(instance, ticket, work, () -> {
				boolean inTime = this.clock.nanoTime() - now <= HEALTH_CHECK_TIMEOUT;
				pick.completed(!inTime);
				if (inTime) {
					this.metrics.healthChecksPassed++;
					this.metrics.windowHealthChecksPassed++;
				}
			});
		});
	}

	/**
	 * Serve a request that holds a permit, then run what follows its response and return
	 * the permit (handed to the next waiter).
	 * @param instance the instance
	 * @param ticket the permit's ticket
	 * @param work the request's work, in mean service times
	 * @param responded what follows the response
	 */
	private void serve(SimulatedInstance instance, Ticket ticket, double work, Runnable responded) {
		long service = (long) (work * instance.slowdown * this.scenario.meanServiceMillis() * 1e6);
		this.loop.at(this.clock.nanoTime() + service, () -> {
			responded.run();
			ticket.release();
		});
	}

	private void expiryTick() {
		long now = this.clock.nanoTime();
		if (SimulatedInstance.expireOverdue(this.all, now) || !this.stopped) {
			this.loop.at(now + EXPIRY_TICK, this::expiryTick);
		}
	}

	private void windowTick() {
		this.metrics.closeWindow(this.all);
		if (!this.stopped) {
			this.loop.at(this.clock.nanoTime() + WINDOW, this::windowTick);
		}
	}

	private void addInstance(String id) {
		SimulatedInstance instance = new SimulatedInstance(id, this.all.size(), this.scenario.workers(),
				QUEUE_MAX_LENGTH, this.clock);
		this.all.add(instance);
		this.byId.put(id, instance);
	}

	private void instancesChanged() {
		TreeSet<String> ids = new TreeSet<>();
		for (SimulatedInstance instance : this.all) {
			if (instance.present) {
				ids.add(instance.id);
			}
		}
		this.policy.instancesChanged(List.copyOf(ids));
	}

	private String details() {
		return (this.policy instanceof HybridPolicy hybrid) ? hybrid.details() : "";
	}

	private final class Control implements Scenario.FleetControl {

		@Override
		public void slowdown(String id, double slowdown) {
			ScenarioRun.this.byId.get(id).slowdown = slowdown;
		}

		@Override
		public void remove(String id) {
			ScenarioRun.this.byId.get(id).present = false;
			instancesChanged();
		}

		@Override
		public void add(String id) {
			addInstance(id);
			instancesChanged();
		}

		@Override
		public void load(double load) {
			setLoad(load);
		}

	}

}
