package io.github.latencylb.core;

import java.util.Collection;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.jspecify.annotations.Nullable;

/**
 * Latency-aware, flow-preserving scheduler of one service: consistent-hash affinity with
 * latency fallback for requests that carry a flow key ({@link FlowRouter}: home on the
 * {@link ConsistentHashRing} within its {@link BoundedLoadCap} and past its
 * {@link SlowStartGate}, else the {@link RingFallback}; a recorded flow moves only off an
 * unfit instance, slow ones within a {@link TokenBucket}), and {@link PowerOfTwoChoices}
 * by {@link PeakEwmaCost} for the others; both climb the same {@link EligibilityLadder}
 * in panic. Slowness is a {@link SlownessDetector}'s verdict (by default
 * {@link SignTestSlowness}); failures feed {@link OutlierEjection}. Thread-safe:
 * {@link #choose} runs concurrently on event-loop threads and never blocks; the instance
 * set and configuration are swapped atomically.
 */
public final class Scheduler {

	private final String serviceId;

	private final NanoClock clock;

	private final FlowTable flows;

	private final InstanceSet instances;

	private final SchedulerCounters counters = new SchedulerCounters();

	private final FleetRefresh refresh;

	private final LeaseAccounting leases;

	private final PowerOfTwoChoices twoChoices;

	private final FlowRouter router;

	private volatile SchedulerConfig config;

	/** Builds rings; replaced by tests only. */
	BiFunction<Collection<WeightedInstance>, Integer, ConsistentHashRing> ringBuilder = ConsistentHashRing::build;

	/**
	 * Create a scheduler.
	 * @param serviceId the service it schedules
	 * @param config its configuration
	 * @param clock the time source
	 * @param random the randomness; must be thread-safe if {@link #choose} runs on
	 * several threads
	 */
	public Scheduler(String serviceId, SchedulerConfig config, NanoClock clock, RandomGenerator random) {
		this(serviceId, config, clock, random, new FlowTable(config.affinity().maxFlows(), clock));
	}

	/**
	 * Create a scheduler that records its flows in a table shared with other services'
	 * schedulers, so that one bound holds for all of them ({@code config.maxFlows()} is
	 * then not used).
	 * @param serviceId the service it schedules
	 * @param config its configuration
	 * @param clock the time source
	 * @param random the randomness; must be thread-safe if {@link #choose} runs on
	 * several threads
	 * @param flows the flow table
	 */
	public Scheduler(String serviceId, SchedulerConfig config, NanoClock clock, RandomGenerator random,
			FlowTable flows) {
		this.serviceId = serviceId;
		this.config = config;
		this.clock = clock;
		this.flows = flows;
		this.instances = new InstanceSet(clock);
		PeakEwmaCost cost = new PeakEwmaCost();
		this.refresh = new FleetRefresh(flows, cost, new SignTestSlowness());
		this.leases = new LeaseAccounting(clock, this::config, new OutlierEjection(this.instances, this.refresh));
		this.twoChoices = new PowerOfTwoChoices(random, cost);
		this.router = new FlowRouter(flows, StableHash.hash(serviceId), this.counters, new RingFallback(cost),
				this.leases::totalInflight, new TokenBucket(config.moves().maxMovesPerSecond(), clock.nanoTime()));
	}

	/**
	 * Return the service id.
	 * @return the service id
	 */
	public String serviceId() {
		return this.serviceId;
	}

	/**
	 * Return the configuration.
	 * @return the configuration
	 */
	public SchedulerConfig config() {
		return this.config;
	}

	/**
	 * Swap the configuration. Decisions use it at once; the ring's virtual nodes apply
	 * from the next change of the instance set, the latency decay and window to instances
	 * seen from then on, and the flow table's bound is the table's own.
	 * @param config the new configuration
	 */
	public void reconfigure(SchedulerConfig config) {
		if (config.moves().maxMovesPerSecond() != this.config.moves().maxMovesPerSecond()) {
			this.router.setMoveBudget(new TokenBucket(config.moves().maxMovesPerSecond(), this.clock.nanoTime()));
		}
		this.config = config;
		this.refresh.due(this.clock.nanoTime());
	}

	/**
	 * Replace the instance set. Cheap when nothing changed. Instances seen for the first
	 * time after the first non-empty set start slow start, unless they join within the
	 * settle period after it ({@code slowStartSettlePeriod}); departed instances are
	 * forgotten (their flows move when next seen); an instance whose weight changed keeps
	 * its flows.
	 * @param instances the instances and their weights
	 * @return whether the set changed
	 */
	public boolean updateInstances(Collection<WeightedInstance> instances) {
		if (this.instances.current().sameAs(instances)) {
			return false;
		}
		SchedulerConfig config = this.config;
		ConsistentHashRing ring = this.ringBuilder.apply(instances, config.ring().virtualNodes());
		return this.instances.update(instances, ring, config, (now) -> {
			this.refresh.due(now);
			this.refresh.refresh(this.instances.current(), config, now);
		});
	}

	/**
	 * Register a listener of the instance set, e.g. for metrics that must forget departed
	 * instances. It is called at once with the current instance ids, then with the new
	 * ids after every change, in order, on the thread that applied the change and while
	 * holding this scheduler's lock: it must be quick, must not throw and must not change
	 * the instance set.
	 * @param listener receives the ids of the instances present
	 */
	public void addTopologyListener(Consumer<Set<String>> listener) {
		this.instances.addListener(listener);
	}

	/**
	 * Let the scheduler see admission state: new flows and keyless requests avoid
	 * saturated instances when another candidate has a free permit, and a request of a
	 * flow whose instance is saturated overflows to a candidate with a free permit
	 * without moving the flow. Each instance's {@link AdmissionHandle} is resolved once.
	 * @param admission the admission view
	 */
	public void setAdmissionView(AdmissionView admission) {
		this.instances.setAdmission(admission);
	}

	/**
	 * Let a listener see where flows are recorded (e.g. to share pins with other
	 * replicas).
	 * @param listener the listener, or {@link PinListener#NONE}
	 */
	public void setPinListener(PinListener listener) {
		this.router.setPinListener(listener);
	}

	/**
	 * Record a flow where another replica recorded it. The local table stays
	 * authoritative: the next request checks the instance's fitness as for any pin.
	 * Re-applying the same pin keeps it from going idle.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param instanceId the instance, or {@code null} for the flow's home (a return home:
	 * a flow not recorded here is left unrecorded)
	 * @return whether it was applied; {@code false} while the instance is unknown here
	 */
	public boolean applyRemotePin(long keyHash, @Nullable String instanceId) {
		return this.router.applyRemotePin(this.instances.current(), keyHash, instanceId, this.config);
	}

	/**
	 * Choose an instance for a request of a flow.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param excluded instance ids not to choose (e.g. ones a retry already tried)
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseForFlow(long keyHash, Set<String> excluded) {
		long now = this.clock.nanoTime();
		SchedulerConfig config = this.config;
		Topology topology = refreshed(config, now);
		return topology.isEmpty() ? null : this.router.choose(topology, keyHash, excluded, config, now);
	}

	/**
	 * Choose an instance for a request without a flow key: power of two choices.
	 * @param excluded instance ids not to choose
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseKeyless(Set<String> excluded) {
		long now = this.clock.nanoTime();
		SchedulerConfig config = this.config;
		Topology topology = refreshed(config, now);
		if (topology.isEmpty()) {
			return null;
		}
		InstanceStats chosen = this.twoChoices.choose(topology, excluded, this.leases.totalInflight(), config, now);
		return this.counters.decided(chosen, DecisionReason.KEYLESS, null);
	}

	/**
	 * Start a request on the chosen instance: counts it in flight until the lease is
	 * released.
	 * @param decision the decision
	 * @return the lease, to record the response and release exactly once
	 */
	public Lease start(Decision decision) {
		return this.leases.start(decision.stats());
	}

	/**
	 * Mark an instance as draining (no new flows, no keyless requests) or active again.
	 * @param instanceId the instance id
	 * @param draining whether it drains
	 * @return whether the instance is known
	 */
	public boolean setDraining(String instanceId, boolean draining) {
		InstanceStats stats = this.instances.current().get(instanceId);
		if (stats == null) {
			return false;
		}
		stats.draining = draining;
		this.refresh.due(this.clock.nanoTime());
		return true;
	}

	/**
	 * Return a consistent view of the scheduler's state, for endpoints, metrics and
	 * tests.
	 * @return the snapshot
	 */
	public SchedulerSnapshot snapshot() {
		long now = this.clock.nanoTime();
		SchedulerConfig config = this.config;
		return SchedulerSnapshot.of(this.serviceId, refreshed(config, now), this.counters, this.leases.totalInflight(),
				config, now);
	}

	/**
	 * Return how many times a reason was given so far.
	 * @param reason the reason
	 * @return the count
	 */
	public long decisionCount(DecisionReason reason) {
		return this.counters.decisions(reason);
	}

	/**
	 * Return how many flows moved for a cause so far.
	 * @param cause the cause
	 * @return the count
	 */
	public long moveCount(MoveCause cause) {
		return this.counters.moves(cause);
	}

	/**
	 * Return the requests in flight on all instances.
	 * @return the in-flight count
	 */
	public int totalInflight() {
		return this.leases.totalInflight();
	}

	private Topology refreshed(SchedulerConfig config, long now) {
		Topology topology = this.instances.current();
		this.refresh.maybeRefresh(topology, config, now);
		return topology;
	}

}
