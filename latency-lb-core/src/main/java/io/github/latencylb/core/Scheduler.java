package io.github.latencylb.core;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.jspecify.annotations.Nullable;

/**
 * Latency-aware, flow-preserving scheduler of one service, a facade: keyed requests go
 * through the {@link FlowRouter} (ring home within {@link BoundedLoadCap} and
 * {@link SlowStartGate}, else {@link RingFallback}), keyless ones through
 * {@link PowerOfTwoChoices}; both climb one {@link EligibilityLadder} in panic. Slowness
 * is a {@link SlownessDetector}'s verdict ({@link CusumSlowness}); failures feed
 * {@link OutlierEjection}. Thread-safe and non-blocking; instance set and configuration
 * are swapped atomically.
 */
public final class Scheduler {

	private final String serviceId;

	private final NanoClock clock;

	private final SchedulerAssembly parts;

	private volatile SchedulerConfig config;

	/** Builds rings; replaced by tests only. */
	BiFunction<Collection<WeightedInstance>, Integer, ConsistentHashRing> ringBuilder = ConsistentHashRing::build;

	/**
	 * Create a scheduler.
	 * @param serviceId the service it schedules
	 * @param config its configuration
	 * @param clock the time source
	 * @param random the randomness; must be thread-safe if {@link #chooseForFlow} runs on
	 * several threads
	 */
	public Scheduler(String serviceId, SchedulerConfig config, NanoClock clock, RandomGenerator random) {
		this(serviceId, config, clock, random, new FlowTable(config.affinity().maxFlows(), clock));
	}

	/**
	 * Create a scheduler recording its flows in a table shared with other services' (then
	 * {@code config.maxFlows()} is not used).
	 * @param serviceId the service it schedules
	 * @param config its configuration
	 * @param clock the time source
	 * @param random the randomness; must be thread-safe if {@link #chooseForFlow} runs on
	 * several threads
	 * @param flows the flow table
	 */
	public Scheduler(String serviceId, SchedulerConfig config, NanoClock clock, RandomGenerator random,
			FlowTable flows) {
		this.serviceId = serviceId;
		this.config = config;
		this.clock = clock;
		this.parts = SchedulerAssembly.wire(serviceId, clock, random, flows, this::config);
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
	 * Swap the configuration; the ring's virtual nodes apply from the next instance set,
	 * latency decay and window to instances seen from then on.
	 * @param config the new configuration
	 */
	public void reconfigure(SchedulerConfig config) {
		this.config = config;
		this.parts.refresh().due(this.clock.nanoTime());
	}

	/**
	 * Replace the instance set (see {@link InstanceSet}): new instances start slow start
	 * after the settle period; departed ones are forgotten. Cheap when nothing changed.
	 * @param instances the instances and their weights
	 * @return whether the set changed
	 */
	public boolean updateInstances(Collection<WeightedInstance> instances) {
		SchedulerConfig config = this.config;
		return this.parts.instances()
			.update(instances, this.ringBuilder, config, (now) -> this.parts.refreshNow(config, now));
	}

	/**
	 * Register a listener of the instance ids: called at once, then on every change, in
	 * its phase and in order, while holding the instance set's lock (quick, no throwing,
	 * no changes).
	 * @param phase when it learns of a new set: before it is published (to create what
	 * decisions naming new instances need, e.g. admission queues) or after
	 * @param listener receives the ids of the instances present
	 */
	public void addTopologyListener(TopologyPhase phase, Consumer<Set<String>> listener) {
		this.parts.instances().addListener(phase, listener);
	}

	/**
	 * Let the scheduler avoid saturated instances (keyless requests, and new flows whose
	 * expected wait at home exceeds their budget), and overflow a request of a hot flow
	 * from its saturated instance without moving the flow; each instance's
	 * {@link AdmissionHandle} is resolved once.
	 * @param admission the admission view
	 */
	public void setAdmissionView(AdmissionView admission) {
		this.parts.instances().setAdmission(admission);
	}

	/**
	 * Let a listener see where flows are recorded (e.g. to share pins with other
	 * replicas).
	 * @param listener the listener, or {@link PinListener#NONE}
	 */
	public void setPinListener(PinListener listener) {
		this.parts.router().setPinListener(listener);
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
		return this.parts.router().applyRemotePin(this.parts.instances().current(), keyHash, instanceId, this.config);
	}

	/**
	 * Choose an instance for a request of a flow.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param excluded instance ids not to choose (e.g. ones a retry already tried)
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseForFlow(long keyHash, Set<String> excluded) {
		// The exact time, unlike chooseKeyless: the first request of a flow after a quiet
		// spell must find its pin expired if it idled past its timeout.
		long now = this.clock.nanoTime();
		SchedulerConfig config = this.config;
		Topology topology = this.parts.current(config, now);
		return topology.isEmpty() ? null : this.parts.router().choose(topology, keyHash, excluded, config, now);
	}

	/**
	 * Choose an instance for a request without a flow key: power of two choices.
	 * @param excluded instance ids not to choose
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseKeyless(Set<String> excluded) {
		// A recent time is enough here (NanoClock.recentNanoTime: a fraction of a
		// millisecond old under traffic, as old as the last event after a quiet spell):
		// two choices compare costs that decay over seconds, and the refresh and slow
		// start it gates are paced in hundreds of milliseconds and more. After a quiet
		// spell one decision may see the fleet as it was; its lease start reads the
		// clock, and the next decision is current again.
		long now = this.clock.recentNanoTime();
		SchedulerConfig config = this.config;
		Topology topology = this.parts.current(config, now);
		return topology.isEmpty() ? null
				: this.parts.counters()
					.decidedKeyless(this.parts.twoChoices()
						.choose(topology, excluded, this.parts.leases().totalInflight(), config, now));
	}

	/**
	 * Return the instances a keyless request may use now (those two choices draw from),
	 * as uncounted decisions: for one that finds them all saturated to wait for any.
	 * @param excluded instance ids not to use
	 * @return the decisions, empty when the service has no instance
	 */
	public List<Decision> keylessCandidates(Set<String> excluded) {
		long now = this.clock.nanoTime();
		return PowerOfTwoChoices.candidates(this.parts.current(this.config, now), excluded, now);
	}

	/**
	 * Start a request on the chosen instance: counts it in flight (and, for a keyed
	 * request, its flow's requests in flight there) until the lease is released.
	 * @param decision the decision
	 * @return the lease, to record the response and release exactly once
	 */
	public Lease start(Decision decision) {
		return this.parts.leases().start(decision.stats(), decision.keyed(), decision.flowHash());
	}

	/**
	 * Mark an instance as draining (no new flows, no keyless requests) or active again.
	 * @param instanceId the instance id
	 * @param draining whether it drains
	 * @return whether the instance is known
	 */
	public boolean setDraining(String instanceId, boolean draining) {
		if (!this.parts.instances().setDraining(instanceId, draining)) {
			return false;
		}
		this.parts.refresh().due(this.clock.nanoTime());
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
		return SchedulerSnapshot.of(this.serviceId, this.parts.current(config, now), this.parts.counters(),
				this.parts.leases().totalInflight(), config, now);
	}

	/**
	 * Return the counters of decisions by reason and of moves by cause.
	 * @return the counters, read-only
	 */
	public SchedulerCounters counters() {
		return this.parts.counters();
	}

	/**
	 * Return the requests in flight on all instances.
	 * @return the in-flight count
	 */
	public int totalInflight() {
		return this.parts.leases().totalInflight();
	}

}
