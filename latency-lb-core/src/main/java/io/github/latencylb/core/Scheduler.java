package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.jspecify.annotations.Nullable;

/**
 * Latency-aware, flow-preserving scheduler of one service: consistent-hash affinity with
 * latency fallback for requests that carry a flow key, power of two choices for the
 * others.
 * <p>
 * A request with a flow key goes, in this order: (1) to the instance its flow is recorded
 * on while that instance is fit (present, not ejected, not slow; a draining instance
 * keeps its flows); (2) for a new flow, to its home on the {@link ConsistentHashRing} if
 * home is fit, not draining, within its bounded-load cap (Mirrokni, Thorup and
 * Zadimoghaddam, "Consistent Hashing with Bounded Loads") and past slow start for this
 * key; (3) otherwise to the lowest {@code EWMA x (in-flight + 1)} among the next
 * {@code candidates} fit instances on the ring, chosen among near-equal ones by
 * {@link RendezvousChoice rendezvous hashing} on the key (so that replicas seeing the
 * same fit instances agree without talking, and different flows still spread). The flow
 * is recorded where it lands. A recorded flow never moves for load alone; it moves only
 * when its instance stops being fit and a better one exists (in panic, when nothing is
 * fit, it stays), at most {@code maxMovesPerSecond} per second while the instance is
 * merely slow, and goes back home only after it was idle past the idle timeout.
 * <p>
 * Slowness uses a robust signal: an instance's windowed median latency (HdrHistogram, at
 * least {@code minSamples} samples) above {@code latencyFactor} x the fleet's (lower)
 * median with confidence (a sign-test lower bound of the median is above it, so that the
 * noise of a few samples of an exponential tail never counts; it stays slow while its
 * median is above 80% of the threshold), or it is stuck: two requests outstanding for
 * longer than {@code stuckFactor} x that threshold and no response since they started.
 * One slow response never moves flows. Failures count as slow samples
 * ({@code failurePenalty}).
 * <p>
 * Keyless requests take the better of two random fit instances by peak-EWMA score
 * (Mitzenmacher's power of two choices; Finagle's peak EWMA); an instance in slow start
 * takes part in a draw with probability equal to its warmth. Thread-safe: {@link #choose}
 * runs concurrently on event-loop threads and never blocks; the instance set and
 * configuration are swapped atomically.
 */
public final class Scheduler {

	private static final long WARM_SEED = 0x5EED_57A7_0000_0001L;

	/**
	 * Standard score of the sign-test bound an instance's median must clear before it is
	 * judged slow (one-sided, about 99.9%).
	 */
	private static final double SLOW_CONFIDENCE_Z = 3.0;

	private final String serviceId;

	private final NanoClock clock;

	private final RandomGenerator random;

	private final SchedulerConfig config;

	private final FlowTable flows;

	private final long flowSeed;

	private final long idleNanos;

	private final AtomicInteger totalInflight = new AtomicInteger();

	private final MoveLimiter moveLimiter;

	private final EnumMap<DecisionReason, LongAdder> decisions = new EnumMap<>(DecisionReason.class);

	private final EnumMap<MoveCause, LongAdder> moves = new EnumMap<>(MoveCause.class);

	private final LongAdder deferredMoves = new LongAdder();

	private final AtomicLong nextRefresh = new AtomicLong(Long.MIN_VALUE);

	private final List<Consumer<Set<String>>> topologyListeners = new CopyOnWriteArrayList<>();

	private volatile Topology topology = Topology.EMPTY;

	/**
	 * When the first non-empty instance list arrived; guarded by {@code this}.
	 */
	private long firstListNanos;

	private volatile double defaultCost = -1;

	private volatile AdmissionView admission = AdmissionView.NONE;

	/** Builds rings; replaced by tests only. */
	BiFunction<Collection<WeightedInstance>, Integer, ConsistentHashRing> ringBuilder = ConsistentHashRing::build;

	private volatile PinListener pinListener = PinListener.NONE;

	/**
	 * Create a scheduler.
	 * @param serviceId the service it schedules
	 * @param config its configuration
	 * @param clock the time source
	 * @param random the randomness; must be thread-safe if {@link #choose} runs on
	 * several threads
	 */
	public Scheduler(String serviceId, SchedulerConfig config, NanoClock clock, RandomGenerator random) {
		this(serviceId, config, clock, random, new FlowTable(config.maxFlows(), clock));
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
		this.random = random;
		this.flows = flows;
		this.flowSeed = StableHash.hash(serviceId);
		this.idleNanos = config.idleTimeout().toNanos();
		this.moveLimiter = new MoveLimiter(config.maxMovesPerSecond(), clock.nanoTime());
		for (DecisionReason reason : DecisionReason.values()) {
			this.decisions.put(reason, new LongAdder());
		}
		for (MoveCause cause : MoveCause.values()) {
			this.moves.put(cause, new LongAdder());
		}
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
	 * Replace the instance set. Cheap when nothing changed. Instances seen for the first
	 * time after the first non-empty set start slow start, unless they join within the
	 * settle period after it ({@code slowStartSettlePeriod}); departed instances are
	 * forgotten (their flows move when next seen); an instance whose weight changed keeps
	 * its flows.
	 * @param instances the instances and their weights
	 * @return whether the set changed
	 */
	public boolean updateInstances(Collection<WeightedInstance> instances) {
		if (this.topology.sameAs(instances)) {
			return false;
		}
		// Built before taking the lock, and swapped in by reference: with large weights
		// a ring takes long to build, and nothing needs to wait for it.
		return applyInstances(instances, this.ringBuilder.apply(instances, this.config.virtualNodes()));
	}

	private synchronized boolean applyInstances(Collection<WeightedInstance> instances, ConsistentHashRing ring) {
		Topology current = this.topology;
		if (current.sameAs(instances)) {
			return false;
		}
		long now = this.clock.nanoTime();
		boolean initial = current.instances.isEmpty() && !current.everPopulated;
		if (initial && !instances.isEmpty()) {
			this.firstListNanos = now;
		}
		// Joining within the settle period after the first list: present at start-up,
		// merely emitted late (e.g. by a health-check supplier), so no slow start.
		boolean settling = current.everPopulated
				&& now - this.firstListNanos < this.config.slowStartSettlePeriod().toNanos();
		Map<String, InstanceStats> next = new LinkedHashMap<>();
		for (WeightedInstance instance : instances) {
			InstanceStats existing = current.instances.get(instance.id());
			if (existing != null && existing.weight == instance.weight()) {
				next.put(instance.id(), existing);
			}
			else {
				boolean warm = initial || settling || (existing != null && existing.warmth(now, this.config) >= 1.0);
				InstanceStats stats = new InstanceStats(instance.id(), instance.weight(), now, warm, this.config);
				if (existing != null) {
					stats.draining = existing.draining;
				}
				next.put(instance.id(), stats);
			}
		}
		this.topology = new Topology(next, ring, current.everPopulated || !next.isEmpty());
		this.nextRefresh.set(now);
		refresh(now);
		Set<String> ids = Set.copyOf(next.keySet());
		this.topologyListeners.forEach((listener) -> listener.accept(ids));
		return true;
	}

	/**
	 * Register a listener of the instance set, e.g. for metrics that must forget departed
	 * instances. It is called at once with the current instance ids, then with the new
	 * ids after every change, in order, on the thread that applied the change and while
	 * holding this scheduler's lock: it must be quick, must not throw and must not change
	 * the instance set.
	 * @param listener receives the ids of the instances present
	 */
	public synchronized void addTopologyListener(Consumer<Set<String>> listener) {
		listener.accept(Set.copyOf(this.topology.instances.keySet()));
		this.topologyListeners.add(listener);
	}

	/**
	 * Let the scheduler see admission state: new flows and keyless requests avoid
	 * saturated instances when another candidate has a free permit, and a request of a
	 * flow whose instance is saturated overflows to a candidate with a free permit
	 * without moving the flow.
	 * @param admission the admission view
	 */
	public void setAdmissionView(AdmissionView admission) {
		this.admission = admission;
	}

	/**
	 * Let a listener see where flows are recorded (e.g. to share pins with other
	 * replicas).
	 * @param listener the listener, or {@link PinListener#NONE}
	 */
	public void setPinListener(PinListener listener) {
		this.pinListener = listener;
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
		Topology topology = this.topology;
		if (topology.instances.isEmpty()) {
			return false;
		}
		String homeId = topology.ring.home(keyHash);
		InstanceStats target = topology.instances.get((instanceId != null) ? instanceId : homeId);
		if (target == null) {
			return false;
		}
		long flowKey = FlowTable.key(this.flowSeed, keyHash);
		FlowTable.Pin pin = this.flows.get(flowKey, this.idleNanos);
		if (instanceId == null && (pin == null || pin.home())) {
			return true;
		}
		// A remote pin counts as an established flow (two uses) for eviction.
		this.flows.place(flowKey, (pin != null) ? pin.instance() : null, target, target.id.equals(homeId),
				this.idleNanos, 2);
		return true;
	}

	/**
	 * Choose an instance for a request of a flow.
	 * @param keyHash the 64-bit hash of the flow key
	 * @param excluded instance ids not to choose (e.g. ones a retry already tried)
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseForFlow(long keyHash, Set<String> excluded) {
		long now = this.clock.nanoTime();
		maybeRefresh(now);
		Topology topology = this.topology;
		if (topology.instances.isEmpty()) {
			return null;
		}
		long flowKey = FlowTable.key(this.flowSeed, keyHash);
		FlowTable.Pin pin = this.flows.get(flowKey, this.idleNanos);
		boolean recorded = pin != null;
		boolean seen = false;
		if (pin == null) {
			seen = this.flows.seenBefore(flowKey, this.idleNanos);
			InstanceStats home = seen ? topology.instances.get(topology.ring.home(keyHash)) : null;
			if (home != null) {
				// The second request of a flow whose first went home unrecorded
				// (doorkeeper): it is established at home, and recorded if it stays.
				pin = new FlowTable.Pin(home, true);
			}
		}
		MoveCause cause = null;
		InstanceStats previous = null;
		if (pin != null) {
			InstanceStats current = topology.instances.get(pin.instance().id);
			if (current != null && current != pin.instance()) {
				// The same instance under a new weight: the flow follows it, no move.
				pin = this.flows.place(flowKey, pin.instance(), current, pin.home(), this.idleNanos, 1);
				current = topology.instances.get(pin.instance().id);
			}
			previous = pin.instance();
			if (current == pin.instance() && !excluded.contains(current.id)) {
				boolean ejected = current.ejected(now);
				// Slow but available: the flow stays while the move budget is spent.
				if (!ejected && (!current.slow || !this.moveLimiter.tryAcquire(now))) {
					if (current.slow) {
						this.deferredMoves.increment();
					}
					if (!recorded) {
						InstanceStats kept = this.flows.place(flowKey, null, current, true, this.idleNanos, 2)
							.instance();
						if (kept != current && topology.instances.get(kept.id) == kept && !excluded.contains(kept.id)) {
							// A concurrent first request placed the flow elsewhere.
							return decided(kept, DecisionReason.PINNED, null);
						}
						this.pinListener.placed(keyHash, current.id, true);
					}
					if (!current.slow && this.admission.saturated(current.id)) {
						InstanceStats overflow = overflowTarget(topology, keyHash, current, excluded, now);
						if (overflow != null) {
							return decided(overflow, DecisionReason.OVERFLOW, null);
						}
					}
					if (!pin.home()) {
						this.pinListener.used(keyHash, current.id);
					}
					return decided(current, pin.home() ? DecisionReason.HOME : DecisionReason.PINNED, null);
				}
				cause = ejected ? MoveCause.UNAVAILABLE : MoveCause.SLOW;
			}
			else {
				cause = (current == pin.instance()) ? MoveCause.RETRY : MoveCause.UNAVAILABLE;
			}
		}
		return place(topology, keyHash, flowKey, seen, excluded, cause, previous, recorded ? previous : null, now);
	}

	/**
	 * Choose an instance for a request without a flow key: power of two choices.
	 * @param excluded instance ids not to choose
	 * @return the decision, or {@code null} when the service has no instance
	 */
	public @Nullable Decision chooseKeyless(Set<String> excluded) {
		long now = this.clock.nanoTime();
		maybeRefresh(now);
		Topology topology = this.topology;
		if (topology.instances.isEmpty()) {
			return null;
		}
		List<InstanceStats> pool = topology.fit;
		if (excluded.isEmpty() && pool.size() > 0) {
			return decided(twoChoices(pool, topology, now), DecisionReason.KEYLESS, null);
		}
		List<InstanceStats> allowed = without(pool, excluded);
		if (allowed.isEmpty()) {
			allowed = without(topology.usable(now), excluded);
		}
		if (allowed.isEmpty()) {
			allowed = without(new ArrayList<>(topology.instances.values()), excluded);
		}
		if (allowed.isEmpty()) {
			allowed = new ArrayList<>(topology.instances.values());
		}
		return decided(twoChoices(allowed, topology, now), DecisionReason.KEYLESS, null);
	}

	/**
	 * Start a request on the chosen instance: counts it in flight until the lease is
	 * released.
	 * @param decision the decision
	 * @return the lease, to record the response and release exactly once
	 */
	public Lease start(Decision decision) {
		InstanceStats instance = decision.stats();
		Lease lease = new Lease(this, instance, this.clock.nanoTime());
		instance.inflight.incrementAndGet();
		instance.outstanding.add(lease);
		this.totalInflight.incrementAndGet();
		return lease;
	}

	/**
	 * Mark an instance as draining (no new flows, no keyless requests) or active again.
	 * @param instanceId the instance id
	 * @param draining whether it drains
	 * @return whether the instance is known
	 */
	public boolean setDraining(String instanceId, boolean draining) {
		InstanceStats stats = this.topology.instances.get(instanceId);
		if (stats == null) {
			return false;
		}
		stats.draining = draining;
		this.nextRefresh.set(this.clock.nanoTime());
		return true;
	}

	/**
	 * Return a consistent view of the scheduler's state, for endpoints, metrics and
	 * tests.
	 * @return the snapshot
	 */
	public SchedulerSnapshot snapshot() {
		long now = this.clock.nanoTime();
		maybeRefresh(now);
		Topology topology = this.topology;
		List<SchedulerSnapshot.Instance> instances = new ArrayList<>();
		long flowCount = 0;
		for (InstanceStats s : topology.instances.values()) {
			flowCount += s.homeFlows.get() + s.pinnedFlows.get();
			LatencyWindow.Summary summary = s.window.summary(now);
			double warmth = s.warmth(now, this.config);
			instances.add(new SchedulerSnapshot.Instance(s.id, s.state(now, this.config), s.weight, s.weight * warmth,
					s.ewma.value(now), summary.p50Nanos(), summary.p99Nanos(), summary.count(), s.inflight.get(),
					s.homeFlows.get(), s.pinnedFlows.get(), topology.ring.share(s.id), s.slow,
					s.oldestOutstandingAge(now), s.consecutiveFailures.get()));
		}
		Map<DecisionReason, Long> decisionCounts = new EnumMap<>(DecisionReason.class);
		this.decisions.forEach((k, v) -> decisionCounts.put(k, v.sum()));
		Map<MoveCause, Long> moveCounts = new EnumMap<>(MoveCause.class);
		this.moves.forEach((k, v) -> moveCounts.put(k, v.sum()));
		return new SchedulerSnapshot(this.serviceId, instances, decisionCounts, moveCounts, this.deferredMoves.sum(),
				flowCount, this.totalInflight.get());
	}

	/**
	 * Return how many times a reason was given so far.
	 * @param reason the reason
	 * @return the count
	 */
	public long decisionCount(DecisionReason reason) {
		return this.decisions.get(reason).sum();
	}

	/**
	 * Return how many flows moved for a cause so far.
	 * @param cause the cause
	 * @return the count
	 */
	public long moveCount(MoveCause cause) {
		return this.moves.get(cause).sum();
	}

	/**
	 * Return the requests in flight on all instances.
	 * @return the in-flight count
	 */
	public int totalInflight() {
		return this.totalInflight.get();
	}

	/**
	 * Place a new flow, or move one ({@code cause} set): home if fit, else the best
	 * candidate, and record it unless it is a new flow at home seen for the first time.
	 * {@code expected} is where the table has the flow ({@code null}: nowhere), so that
	 * concurrent placements of one flow agree.
	 */
	private Decision place(Topology topology, long keyHash, long flowKey, boolean seen, Set<String> excluded,
			@Nullable MoveCause cause, @Nullable InstanceStats previous, @Nullable InstanceStats expected, long now) {
		String homeId = topology.ring.home(keyHash);
		InstanceStats home = topology.instances.get(homeId);
		DecisionReason why = homeRejection(home, keyHash, excluded, topology, now);
		InstanceStats target;
		DecisionReason reason;
		if (why == null) {
			target = home;
			reason = (cause != null) ? DecisionReason.HOME : DecisionReason.NEW_FLOW;
		}
		else {
			target = bestCandidate(topology, keyHash, homeId, excluded, now);
			reason = why;
		}
		if (previous != null && !excluded.contains(previous.id) && topology.instances.get(previous.id) == previous
				&& unfitness(previous, now) <= unfitness(target, now)) {
			// Panic: nothing better than where the flow is. Moving it between equally
			// unfit instances would only make it flap.
			target = previous;
		}
		boolean atHome = target == home;
		if (atHome && why != null) {
			reason = (cause != null) ? DecisionReason.HOME : DecisionReason.NEW_FLOW;
		}
		if (atHome && previous == null && !seen) {
			// Doorkeeper: a new flow at home is recorded from its second request on, so
			// that a flood of one-request keys never fills the table.
			return decided(target, reason, null);
		}
		InstanceStats recorded = this.flows.place(flowKey, expected, target, atHome, this.idleNanos, seen ? 2 : 1)
			.instance();
		if (recorded != target && topology.instances.get(recorded.id) == recorded && !excluded.contains(recorded.id)) {
			// A concurrent request of the same flow placed it first: one flow, one
			// instance.
			return decided(recorded, reason, null);
		}
		this.pinListener.placed(keyHash, target.id, atHome);
		if (cause != null && target == previous) {
			// Nowhere better to go (panic): the flow stays, so it did not move.
			cause = null;
		}
		if (cause != null) {
			this.moves.get(cause).increment();
		}
		return decided(target, reason, cause);
	}

	private @Nullable DecisionReason homeRejection(InstanceStats home, long keyHash, Set<String> excluded,
			Topology topology, long now) {
		if (excluded.contains(home.id) || home.ejected(now) || home.draining) {
			return DecisionReason.FALLBACK_UNAVAILABLE;
		}
		if (home.slow) {
			return DecisionReason.FALLBACK_SLOW;
		}
		double warmth = home.warmth(now, this.config);
		if (warmth < 1.0 && StableHash.unitInterval(StableHash.hash(WARM_SEED, keyHash)) >= warmth) {
			return DecisionReason.FALLBACK_WARMING;
		}
		if (overCap(home, topology)) {
			return DecisionReason.FALLBACK_OVERLOADED;
		}
		if (this.admission.saturated(home.id) && anyCandidateFree(topology, keyHash, home.id, excluded, now)) {
			return DecisionReason.FALLBACK_OVERLOADED;
		}
		return null;
	}

	private InstanceStats bestCandidate(Topology topology, long keyHash, String homeId, Set<String> excluded,
			long now) {
		List<String> ids = topology.ring.preferenceList(keyHash, this.config.candidates(),
				(id) -> !id.equals(homeId) && !excluded.contains(id) && fitForNew(topology.instances.get(id), now));
		if (ids.isEmpty()) {
			// Nothing fit: any usable instance after home, then anything not excluded
			// (panic).
			ids = topology.ring.preferenceList(keyHash, this.config.candidates(),
					(id) -> !excluded.contains(id) && !topology.instances.get(id).ejected(now));
		}
		if (ids.isEmpty()) {
			ids = topology.ring.preferenceList(keyHash, this.config.candidates(), (id) -> !excluded.contains(id));
		}
		if (ids.isEmpty()) {
			return topology.instances.get(homeId);
		}
		List<InstanceStats> candidates = new ArrayList<>(ids.size());
		for (String id : ids) {
			candidates.add(topology.instances.get(id));
		}
		List<InstanceStats> free = new ArrayList<>(candidates.size());
		for (InstanceStats candidate : candidates) {
			if (!this.admission.saturated(candidate.id)) {
				free.add(candidate);
			}
		}
		if (!free.isEmpty()) {
			candidates = free;
		}
		List<InstanceStats> withinCap = new ArrayList<>(candidates.size());
		for (InstanceStats candidate : candidates) {
			if (!overCap(candidate, topology)) {
				withinCap.add(candidate);
			}
		}
		return lowestScore(withinCap.isEmpty() ? candidates : withinCap, keyHash, now);
	}

	/**
	 * The least-loaded instance of the flow's preference list, other than its saturated
	 * instance, that is fit and has a free permit; {@code null} if none.
	 */
	private @Nullable InstanceStats overflowTarget(Topology topology, long keyHash, InstanceStats current,
			Set<String> excluded, long now) {
		List<String> ids = topology.ring.preferenceList(keyHash, this.config.candidates() + 1,
				(id) -> !id.equals(current.id) && !excluded.contains(id) && fitForNew(topology.instances.get(id), now)
						&& this.admission.hasFreePermit(id));
		InstanceStats best = null;
		for (String id : ids) {
			InstanceStats candidate = topology.instances.get(id);
			if (best == null || candidate.inflight.get() < best.inflight.get()) {
				best = candidate;
			}
		}
		return best;
	}

	private boolean anyCandidateFree(Topology topology, long keyHash, String homeId, Set<String> excluded, long now) {
		return !topology.ring
			.preferenceList(keyHash, this.config.candidates(),
					(id) -> !id.equals(homeId) && !excluded.contains(id) && fitForNew(topology.instances.get(id), now)
							&& !this.admission.saturated(id))
			.isEmpty();
	}

	/**
	 * The lowest-scoring candidate, by rendezvous on the key among those within the
	 * near-equal tolerance of it. Each score is read once: in-flight counts change
	 * concurrently.
	 */
	private InstanceStats lowestScore(List<InstanceStats> candidates, long keyHash, long now) {
		double[] scores = new double[candidates.size()];
		double best = Double.MAX_VALUE;
		for (int i = 0; i < scores.length; i++) {
			scores[i] = score(candidates.get(i), now);
			best = Math.min(best, scores[i]);
		}
		double limit = best * (1 + this.config.nearEqualTolerance());
		List<InstanceStats> near = new ArrayList<>(candidates.size());
		for (int i = 0; i < scores.length; i++) {
			if (scores[i] <= limit) {
				near.add(candidates.get(i));
			}
		}
		return RendezvousChoice.choose(keyHash, near, (instance) -> instance.id);
	}

	private InstanceStats twoChoices(List<InstanceStats> pool, Topology topology, long now) {
		if (pool.size() == 1) {
			return pool.get(0);
		}
		int i = this.random.nextInt(pool.size());
		int j = this.random.nextInt(pool.size() - 1);
		if (j >= i) {
			j++;
		}
		InstanceStats a = pool.get(i);
		InstanceStats b = pool.get(j);
		boolean aSaturated = this.admission.saturated(a.id);
		if (aSaturated != this.admission.saturated(b.id)) {
			return aSaturated ? b : a;
		}
		boolean aOver = overCap(a, topology);
		boolean bOver = overCap(b, topology);
		if (aOver != bOver) {
			return aOver ? b : a;
		}
		double aWarmth = a.warmth(now, this.config);
		double bWarmth = b.warmth(now, this.config);
		boolean aTakesPart = aWarmth >= 1.0 || this.random.nextDouble() < aWarmth;
		boolean bTakesPart = bWarmth >= 1.0 || this.random.nextDouble() < bWarmth;
		if (aTakesPart != bTakesPart) {
			return aTakesPart ? a : b;
		}
		return (keylessScore(a, aWarmth, now) <= keylessScore(b, bWarmth, now)) ? a : b;
	}

	/**
	 * Peak EWMA x (in-flight / warmth + 1) / weight. With {@link #twoChoices} letting a
	 * warming instance take part in a draw only with probability {@code warmth}, its
	 * share of keyless requests follows its effective weight both when nothing is in
	 * flight (where a score penalty alone would let it win nothing until warm) and under
	 * load (where the scaled in-flight term holds it to that share, as in weighted least
	 * request).
	 */
	private double keylessScore(InstanceStats instance, double warmth, long now) {
		return cost(instance, now) * (instance.inflight.get() / warmth + 1) / instance.weight;
	}

	/**
	 * Latency x (in-flight + 1), divided by the effective weight (slow start included).
	 * The latency is the windowed median once known, else the peak EWMA: a pin lasts, and
	 * replicas watching the same backends see similar medians, while one replica's peak
	 * EWMA can jump several-fold on a single stall and split their fallback choices.
	 */
	private double score(InstanceStats instance, long now) {
		double weight = instance.weight * instance.warmth(now, this.config);
		long median = instance.medianNanos;
		double latency = (median > 0) ? median : cost(instance, now);
		return latency * (instance.inflight.get() + 1) / weight;
	}

	/**
	 * Peak EWMA, or the fleet's median EWMA for an instance with no sample yet.
	 */
	private double cost(InstanceStats instance, long now) {
		double cost = instance.ewma.value(now);
		if (cost < 0) {
			cost = (this.defaultCost > 0) ? this.defaultCost : 1_000_000;
		}
		return cost;
	}

	private boolean overCap(InstanceStats instance, Topology topology) {
		double share = (double) instance.weight / topology.totalWeight;
		long cap = (long) Math.ceil(this.config.balanceFactor() * (this.totalInflight.get() + 1) * share);
		cap = Math.max(cap, this.config.minSlots());
		return instance.inflight.get() + 1 > cap;
	}

	/**
	 * 0 when fit for new flows, 1 when merely available (draining or slow), 2 when
	 * ejected.
	 */
	private int unfitness(InstanceStats instance, long now) {
		return fitForNew(instance, now) ? 0 : instance.ejected(now) ? 2 : 1;
	}

	private boolean fitForNew(InstanceStats instance, long now) {
		return !instance.ejected(now) && !instance.draining && !instance.slow;
	}

	private Decision decided(InstanceStats instance, DecisionReason reason, @Nullable MoveCause cause) {
		this.decisions.get(reason).increment();
		return new Decision(instance, reason, cause);
	}

	private static List<InstanceStats> without(List<InstanceStats> pool, Set<String> excluded) {
		if (excluded.isEmpty()) {
			return pool;
		}
		List<InstanceStats> result = new ArrayList<>(pool.size());
		for (InstanceStats instance : pool) {
			if (!excluded.contains(instance.id)) {
				result.add(instance);
			}
		}
		return result;
	}

	void record(InstanceStats instance, long startNanos, long endNanos, Lease.Outcome outcome) {
		long now = this.clock.nanoTime();
		long latency = Math.max(0, endNanos - startNanos);
		if (outcome != Lease.Outcome.SUCCESS) {
			latency = Math.max(latency, this.config.failurePenalty().toNanos());
		}
		instance.ewma.observe(latency, now);
		instance.window.record(latency, now);
		instance.lastResponseNanos = now;
		if (outcome == Lease.Outcome.SUCCESS) {
			instance.consecutiveFailures.set(0);
			return;
		}
		if (outcome == Lease.Outcome.OVERLOAD) {
			// Overload is not breakage: ejecting for it would cascade through the fleet.
			return;
		}
		int threshold = this.config.consecutiveFailures();
		if (threshold > 0 && instance.consecutiveFailures.incrementAndGet() >= threshold) {
			tryEject(instance, now);
		}
	}

	long nanoTime() {
		return this.clock.nanoTime();
	}

	void release(InstanceStats instance, Lease lease) {
		instance.inflight.decrementAndGet();
		instance.outstanding.remove(lease);
		this.totalInflight.decrementAndGet();
	}

	private synchronized void tryEject(InstanceStats instance, long now) {
		if (instance.ejected(now)) {
			return;
		}
		Topology topology = this.topology;
		int ejected = 0;
		for (InstanceStats s : topology.instances.values()) {
			if (s.ejected(now)) {
				ejected++;
			}
		}
		int allowed = topology.instances.size() * this.config.maxEjectionPercent() / 100;
		if (ejected + 1 > allowed) {
			return;
		}
		long base = this.config.baseEjectionTime().toNanos();
		int ejections = EjectionBackoff.decayed(instance.ejections, instance.ejectedUntilNanos, now, base) + 1;
		long interval = EjectionBackoff.interval(ejections, base, this.config.maxEjectionTime().toNanos());
		instance.ejections = ejections;
		instance.ejectedUntilNanos = now + interval;
		instance.consecutiveFailures.set(0);
		this.nextRefresh.set(now);
	}

	private void maybeRefresh(long now) {
		long due = this.nextRefresh.get();
		if (now - due >= 0 && this.nextRefresh.compareAndSet(due, now + this.config.refreshInterval().toNanos())) {
			refresh(now);
		}
	}

	/**
	 * Recompute fleet-wide state: each instance's windowed median and its lower
	 * confidence bound, the fleet's lower median, who is slow (with 20% hysteresis on the
	 * way back), the default cost of instances with no sample, and the list of instances
	 * fit for keyless requests.
	 */
	private void refresh(long now) {
		this.flows.sweep();
		Topology topology = this.topology;
		List<Long> medians = new ArrayList<>();
		List<Double> costs = new ArrayList<>();
		for (InstanceStats s : topology.instances.values()) {
			LatencyWindow.Summary summary = s.window.summary(now);
			if (summary.count() >= this.config.minSamples()) {
				s.medianNanos = summary.p50Nanos();
				s.medianLowerBoundNanos = s.window.valueAtPercentile(medianLowerBoundPercentile(summary.count()), now);
				s.medianStampNanos = now;
			}
			else if (now - s.medianStampNanos > 2 * this.config.latencyWindow().toNanos()) {
				// No fresh evidence for two windows: forget the verdict and let traffic
				// probe again.
				s.medianNanos = -1;
				s.medianLowerBoundNanos = -1;
			}
			if (!s.ejected(now) && s.medianNanos >= 0) {
				medians.add(s.medianNanos);
			}
			double cost = s.ewma.value(now);
			if (cost >= 0) {
				costs.add(cost);
			}
		}
		double threshold = Double.MAX_VALUE;
		if (medians.size() >= 2) {
			Collections.sort(medians);
			long fleetMedian = medians.get((medians.size() - 1) / 2);
			threshold = Math.max(this.config.latencyFactor() * fleetMedian, this.config.minSlowLatency().toNanos());
		}
		for (InstanceStats s : topology.instances.values()) {
			boolean slowNow = false;
			if (threshold < Double.MAX_VALUE) {
				boolean overThreshold = s.slow ? s.medianNanos >= 0 && s.medianNanos > 0.8 * threshold
						: s.medianLowerBoundNanos >= 0 && s.medianLowerBoundNanos > threshold;
				slowNow = overThreshold || s.unansweredAge(now) > this.config.stuckFactor() * threshold;
			}
			s.slow = slowNow;
		}
		if (!costs.isEmpty()) {
			Collections.sort(costs);
			this.defaultCost = costs.get((costs.size() - 1) / 2);
		}
		List<InstanceStats> fit = new ArrayList<>();
		for (InstanceStats s : topology.instances.values()) {
			if (fitForNew(s, now)) {
				fit.add(s);
			}
		}
		topology.fit = List.copyOf(fit);
	}

	/**
	 * The percentile whose value is a lower confidence bound of the median of
	 * {@code count} samples: the sign test's order statistic,
	 * {@code 50 x (1 - z / sqrt(n))}. Distribution-free, so an exponential tail measured
	 * over few samples does not pass for a slow instance.
	 */
	private static double medianLowerBoundPercentile(long count) {
		return Math.max(0, 50 * (1 - SLOW_CONFIDENCE_Z / Math.sqrt(count)));
	}

	/**
	 * The instance set with its ring. Immutable but for the cached {@code fit} list.
	 */
	private static final class Topology {

		static final Topology EMPTY = new Topology(Map.of(), ConsistentHashRing.build(List.of(), 1), false);

		final Map<String, InstanceStats> instances;

		final ConsistentHashRing ring;

		final long totalWeight;

		final boolean everPopulated;

		volatile List<InstanceStats> fit = List.of();

		Topology(Map<String, InstanceStats> instances, ConsistentHashRing ring, boolean everPopulated) {
			this.instances = new HashMap<>(instances);
			this.ring = ring;
			this.everPopulated = everPopulated;
			long total = 0;
			for (InstanceStats s : instances.values()) {
				total += s.weight;
			}
			this.totalWeight = Math.max(1, total);
		}

		boolean sameAs(Collection<WeightedInstance> candidates) {
			if (candidates.size() != this.instances.size()) {
				return false;
			}
			for (WeightedInstance candidate : candidates) {
				InstanceStats s = this.instances.get(candidate.id());
				if (s == null || s.weight != candidate.weight()) {
					return false;
				}
			}
			return true;
		}

		List<InstanceStats> usable(long now) {
			List<InstanceStats> result = new ArrayList<>();
			for (InstanceStats s : this.instances.values()) {
				if (!s.ejected(now) && !s.draining) {
					result.add(s);
				}
			}
			return result;
		}

	}

	/**
	 * Token bucket bounding how many flows per second leave slow instances.
	 */
	private static final class MoveLimiter {

		private final double perNano;

		private final double capacity;

		private double tokens;

		private long stamp;

		MoveLimiter(double perSecond, long now) {
			this.perNano = perSecond / 1e9;
			this.capacity = Math.max(1, perSecond);
			this.tokens = this.capacity;
			this.stamp = now;
		}

		synchronized boolean tryAcquire(long now) {
			this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, now - this.stamp) * this.perNano);
			this.stamp = now;
			if (this.tokens >= 1) {
				this.tokens -= 1;
				return true;
			}
			return false;
		}

	}

}
