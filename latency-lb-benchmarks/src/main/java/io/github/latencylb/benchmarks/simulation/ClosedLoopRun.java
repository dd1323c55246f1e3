package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import io.github.latencylb.benchmarks.simulation.ClosedLoopScenario.Slowdown;
import io.github.latencylb.benchmarks.simulation.Policy.Pick;
import io.github.latencylb.core.StableHash;
import io.github.latencylb.core.admission.Ticket;
import org.HdrHistogram.Histogram;

/**
 * Runs one policy on one {@link ClosedLoopScenario} in simulated time. Each instance
 * admits {@code workers} requests at once and queues the others in its
 * {@code PriorityAdmissionQueue} (1,000 at most, 5 s timeout, then a 503); health checks
 * wait in class -2047 with a 1 s timeout. With the two-level prototype, a keyless request
 * that finds every fit instance busy waits in the core's {@code ServiceQueue} instead
 * (see {@link TwoLevelAdmission}); latency-lb runs behind the gateway's admission (see
 * {@link GatewayAdmission}). A run is a pure function of its seed.
 */
public final class ClosedLoopRun {

	static final long QUEUE_TIMEOUT = Duration.ofSeconds(5).toNanos();

	static final long HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(1).toNanos();

	static final long EXPIRY_TICK = Duration.ofMillis(5).toNanos();

	private final ClosedLoopScenario scenario;

	private final ClosedLoopPolicy choice;

	private final SimulatedClock clock = new SimulatedClock();

	private final DiscreteEventLoop loop = new DiscreteEventLoop(this.clock);

	private final SplittableRandom random;

	private final List<SimulatedInstance> instances = new ArrayList<>();

	private final Map<String, SimulatedInstance> byId = new HashMap<>();

	private final Policy policy;

	private final TwoLevelAdmission twoLevel;

	private final GatewayAdmission gateway;

	private final long[] flowHashes;

	private final int[] lastInstance;

	private final long measureFrom;

	private final long end;

	private final long slowdownAt;

	private final Histogram regular = histogram();

	private final Histogram hot = histogram();

	private final Histogram before = histogram();

	private final Histogram during = histogram();

	private long requests;

	private long failed;

	private long healthChecks;

	private long healthChecksPassed;

	private long ordinaryRequests;

	private long ordinaryMoved;

	private ClosedLoopRun(ClosedLoopScenario scenario, ClosedLoopPolicy choice, long seed) {
		this.scenario = scenario;
		this.choice = choice;
		this.random = new SplittableRandom(seed);
		for (int i = 1; i <= scenario.instances(); i++) {
			SimulatedInstance instance = new SimulatedInstance("instance-" + i, i - 1, scenario.workers(),
					ScenarioRun.QUEUE_MAX_LENGTH, this.clock);
			this.instances.add(instance);
			this.byId.put(instance.id, instance);
		}
		SplittableRandom policyRandom = new SplittableRandom(seed * 31 + 17);
		QueueAdmissionView view = new QueueAdmissionView(this.byId);
		this.policy = (choice.kind() != null) ? choice.kind().create(this.clock, policyRandom, view)
				: new FlowFairPolicy(this.clock, policyRandom, view, scenario.workers());
		this.twoLevel = (choice.twoLevel() && choice.kind() == null)
				? new TwoLevelAdmission((FlowFairPolicy) this.policy, this.byId, this.clock) : null;
		this.gateway = (choice == ClosedLoopPolicy.GATEWAY)
				? new GatewayAdmission(((HybridPolicy) this.policy).scheduler(), this.byId, this.clock) : null;
		int flows = scenario.sessions() + ((scenario.hotClients() > 0) ? 1 : 0);
		this.flowHashes = new long[flows];
		for (int i = 0; i < flows; i++) {
			this.flowHashes[i] = StableHash.hash(seed, i);
		}
		this.lastInstance = new int[flows];
		Arrays.fill(this.lastInstance, -1);
		this.measureFrom = scenario.measureFrom().toNanos();
		this.end = scenario.duration().toNanos();
		this.slowdownAt = scenario.changes().isEmpty() ? -1 : scenario.changes().get(0).at().toNanos();
	}

	/**
	 * Run a policy on a scenario.
	 * @param scenario the scenario
	 * @param choice the policy
	 * @param seed the seed of think and service times and of the policy's randomness
	 * @return the figures
	 */
	public static ClosedLoopResult run(ClosedLoopScenario scenario, ClosedLoopPolicy choice, long seed) {
		return new ClosedLoopRun(scenario, choice, seed).run();
	}

	private ClosedLoopResult run() {
		this.policy.instancesChanged(this.instances.stream().map((instance) -> instance.id).sorted().toList());
		for (Slowdown change : this.scenario.changes()) {
			this.loop.at(change.at().toNanos(), () -> this.byId.get(change.instanceId()).slowdown = change.factor());
		}
		int clients = this.scenario.sessions() + this.scenario.keylessClients() + this.scenario.hotClients();
		for (int c = 0; c < clients; c++) {
			int client = c;
			long stagger = (long) (this.random.nextDouble() * this.scenario.serviceMillis() * 1e6);
			this.loop.at(stagger, () -> send(client));
		}
		if (this.scenario.healthCheckMillis() > 0) {
			this.loop.at(0, this::healthCheck);
		}
		this.loop.at(EXPIRY_TICK, this::expiryTick);
		this.loop.runUntil(this.end);
		double seconds = (this.end - this.measureFrom) / 1e9;
		String details = (this.policy instanceof FlowFairPolicy fair) ? fair.details()
				: (this.policy instanceof HybridPolicy hybrid) ? hybrid.details() : "";
		return new ClosedLoopResult(this.scenario.id(), this.choice, this.requests, this.failed,
				this.regular.getTotalCount() / seconds, millis(this.regular, 50), millis(this.regular, 90),
				millis(this.regular, 99), this.healthChecks, this.healthChecksPassed, this.ordinaryRequests,
				this.ordinaryMoved, millis(this.hot, 99), millis(this.before, 99), millis(this.during, 99), details);
	}

	private void send(int client) {
		long start = this.clock.nanoTime();
		if (start >= this.end) {
			return;
		}
		int sessions = this.scenario.sessions();
		int flow = (client < sessions) ? client
				: (client < sessions + this.scenario.keylessClients()) ? -1 : this.flowHashes.length - 1;
		boolean isHot = flow >= 0 && flow == sessions;
		boolean measured = start >= this.measureFrom;
		long deadline = start + QUEUE_TIMEOUT;
		Consumer<Boolean> done = (ok) -> ended(client, start, isHot, ok, measured);
		if (this.gateway != null) {
			this.gateway.admit((flow >= 0) ? this.flowHashes[flow] : 0, flow < 0, 0, deadline, deadline, this::serve,
					(instance) -> landed(flow, isHot, measured, instance), done);
			return;
		}
		if (flow < 0 && this.twoLevel != null) {
			this.twoLevel.admit(0, deadline, this::serve, done);
			return;
		}
		Pick pick = this.policy.choose((flow >= 0) ? this.flowHashes[flow] : 0, flow < 0);
		SimulatedInstance instance = this.byId.get(pick.instanceId());
		landed(flow, isHot, measured, instance);
		admit(instance, pick, 0, deadline, done);
	}

	// Count where a request of a flow is served (where it was sent, or whose permit it
	// got).
	private void landed(int flow, boolean isHot, boolean measured, SimulatedInstance instance) {
		if (flow < 0) {
			return;
		}
		int previous = this.lastInstance[flow];
		if (measured && !isHot) {
			this.ordinaryRequests++;
			this.ordinaryMoved += (previous >= 0 && previous != instance.index) ? 1 : 0;
		}
		this.lastInstance[flow] = instance.index;
	}

	private void ended(int client, long start, boolean isHot, boolean ok, boolean measured) {
		long now = this.clock.nanoTime();
		if (measured && now <= this.end) {
			this.requests++;
			if (!ok) {
				this.failed++;
			}
			else {
				long micros = Math.max(1, (now - start) / 1000);
				(isHot ? this.hot : this.regular).recordValue(micros);
				if (this.slowdownAt >= 0) {
					((start < this.slowdownAt) ? this.before : this.during).recordValue(micros);
				}
			}
		}
		this.loop.at(now + this.scenario.thinkNanos(client, this.random), () -> send(client));
	}

	private void healthCheck() {
		long start = this.clock.nanoTime();
		if (start >= this.end) {
			return;
		}
		this.loop.at(start + this.scenario.healthCheckMillis() * 1_000_000, this::healthCheck);
		boolean measured = start >= this.measureFrom;
		Consumer<Boolean> done = (ok) -> {
			if (measured && this.clock.nanoTime() <= this.end) {
				this.healthChecks++;
				boolean inTime = this.clock.nanoTime() - start <= HEALTH_CHECK_TIMEOUT;
				this.healthChecksPassed += (ok && inTime) ? 1 : 0;
			}
		};
		if (this.gateway != null) {
			this.gateway.admit(0, true, ScenarioRun.HEALTH_CHECK_CLASS, start + HEALTH_CHECK_TIMEOUT,
					start + QUEUE_TIMEOUT, this::serve, (instance) -> {
					}, done);
			return;
		}
		if (this.twoLevel != null) {
			this.twoLevel.admit(ScenarioRun.HEALTH_CHECK_CLASS, start + HEALTH_CHECK_TIMEOUT, this::serve, done);
			return;
		}
		Pick pick = this.policy.choose(0, true);
		admit(this.byId.get(pick.instanceId()), pick, ScenarioRun.HEALTH_CHECK_CLASS, start + HEALTH_CHECK_TIMEOUT,
				done);
	}

	private void admit(SimulatedInstance instance, Pick pick, int priorityClass, long deadline,
			Consumer<Boolean> done) {
		Ticket ticket = instance.queue.acquire(priorityClass, 0, deadline);
		ticket.granted().whenComplete((granted, ex) -> {
			if (ex != null) {
				pick.completed(true);
				done.accept(false);
				return;
			}
			pick.admitted();
			serve(instance, (this.twoLevel != null) ? () -> this.twoLevel.release(instance, ticket) : ticket::release,
					() -> {
						pick.completed(false);
						done.accept(true);
					});
		});
	}

	/**
	 * Serve a request that holds a permit, then report its response and return the
	 * permit.
	 * @param instance the instance serving it
	 * @param release gives the permit back
	 * @param responded reports the response
	 */
	private void serve(SimulatedInstance instance, Runnable release, Runnable responded) {
		double work = this.scenario.exponential() ? -Math.log(1 - this.random.nextDouble()) : 1.0;
		long service = (long) (work * instance.slowdown * this.scenario.serviceMillis() * 1e6);
		this.loop.at(this.clock.nanoTime() + service, () -> {
			responded.run();
			release.run();
		});
	}

	private void expiryTick() {
		long now = this.clock.nanoTime();
		SimulatedInstance.expireOverdue(this.instances, now);
		if (this.twoLevel != null) {
			this.twoLevel.expireOverdue(now);
		}
		if (this.gateway != null) {
			this.gateway.expireOverdue(now);
		}
		if (now < this.end) {
			this.loop.at(now + EXPIRY_TICK, this::expiryTick);
		}
	}

	private static Histogram histogram() {
		return new Histogram(1, RunMetrics.HIGHEST_MICROS, 3);
	}

	private static double millis(Histogram histogram, double percentile) {
		return RunMetrics.millis(histogram, percentile);
	}

}
