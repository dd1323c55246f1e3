package io.github.latencylb.core;

import java.util.Set;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The flow pinning rules. A request of a flow goes to the instance its flow is recorded
 * on while that instance is fit (a draining instance keeps its flows; at a saturated one
 * the request waits in its queue unless {@link HomeWait} finds the flow hot, then it
 * overflows without moving the flow, see {@link DecisionReason#OVERFLOW}); a new flow
 * goes home unless {@link #homeRejection} says why not (among others an expected wait at
 * home over its budget), else to the {@link RingFallback}. A recorded flow moves only
 * when its instance stops being fit and a better one exists, at most as fast as the
 * {@link TokenBucket} allows while the instance is merely slow. A new flow at home is
 * recorded from its second request on (doorkeeper). Thread-safe.
 */
final class FlowRouter {

	private final FlowTable flows;

	private final long flowSeed;

	private final SchedulerCounters counters;

	private final RingFallback fallback;

	private final IntSupplier totalInflight;

	private final TokenBucket moveBudget;

	private final HomeWait homeWait;

	private volatile PinListener pinListener = PinListener.NONE;

	FlowRouter(FlowTable flows, long flowSeed, SchedulerCounters counters, RingFallback fallback,
			IntSupplier totalInflight, TokenBucket moveBudget, FleetLatency fleet) {
		this.flows = flows;
		this.flowSeed = flowSeed;
		this.counters = counters;
		this.fallback = fallback;
		this.totalInflight = totalInflight;
		this.moveBudget = moveBudget;
		this.homeWait = new HomeWait(fleet);
	}

	void setPinListener(PinListener pinListener) {
		this.pinListener = pinListener;
	}

	boolean applyRemotePin(Topology topology, long keyHash, @Nullable String instanceId, SchedulerConfig config) {
		if (topology.isEmpty()) {
			return false;
		}
		String homeId = topology.ring.home(keyHash);
		InstanceStats target = topology.get((instanceId != null) ? instanceId : homeId);
		if (target == null) {
			return false;
		}
		long idle = config.affinity().idleTimeout().toNanos();
		long flowKey = FlowTable.key(this.flowSeed, keyHash);
		FlowTable.Pin pin = this.flows.get(flowKey, idle);
		if (instanceId == null && (pin == null || pin.home())) {
			return true;
		}
		// A remote pin counts as an established flow (two uses) for eviction.
		this.flows.place(flowKey, (pin != null) ? pin.instance() : null, target, target.id.equals(homeId), idle, 2);
		return true;
	}

	Decision choose(Topology topology, long keyHash, Set<String> excluded, SchedulerConfig config, long now) {
		long idle = config.affinity().idleTimeout().toNanos();
		long flowKey = FlowTable.key(this.flowSeed, keyHash);
		FlowTable.Pin pin = this.flows.get(flowKey, idle);
		boolean recorded = pin != null;
		boolean seen = false;
		if (pin == null) {
			seen = this.flows.seenBefore(flowKey, idle);
			InstanceStats home = seen ? topology.get(topology.ring.home(keyHash)) : null;
			if (home != null) {
				// The second request of a flow whose first went home unrecorded
				// (doorkeeper): it is established at home, and recorded if it stays.
				pin = new FlowTable.Pin(home, true);
			}
		}
		MoveCause cause = null;
		InstanceStats previous = null;
		if (pin != null) {
			InstanceStats current = topology.get(pin.instance().id);
			if (current != null && current != pin.instance()) {
				// The same instance under a new weight: the flow follows it, no move.
				pin = this.flows.place(flowKey, pin.instance(), current, pin.home(), idle, 1);
				current = topology.get(pin.instance().id);
			}
			previous = pin.instance();
			if (current == pin.instance() && !excluded.contains(current.id)) {
				boolean ejected = current.ejected(now);
				// Slow but available: the flow stays while the move budget is spent.
				if (!ejected
						&& (!current.slow || !this.moveBudget.tryAcquire(now, config.moves().maxMovesPerSecond()))) {
					return stay(topology, keyHash, flowKey, pin, current, recorded, excluded, config, now);
				}
				cause = ejected ? MoveCause.UNAVAILABLE : MoveCause.SLOW;
			}
			else {
				cause = (current == pin.instance()) ? MoveCause.RETRY : MoveCause.UNAVAILABLE;
			}
		}
		return place(topology, keyHash, flowKey, seen, excluded, cause, previous, recorded ? previous : null, config,
				now);
	}

	private Decision stay(Topology topology, long keyHash, long flowKey, FlowTable.Pin pin, InstanceStats current,
			boolean recorded, Set<String> excluded, SchedulerConfig config, long now) {
		if (current.slow) {
			this.counters.deferredMove();
		}
		if (!recorded) {
			long idle = config.affinity().idleTimeout().toNanos();
			InstanceStats kept = this.flows.place(flowKey, null, current, true, idle, 2).instance();
			if (kept != current && topology.holds(kept) && !excluded.contains(kept.id)) {
				// A concurrent first request placed the flow elsewhere.
				return this.counters.decided(kept, DecisionReason.PINNED, null, keyHash);
			}
			this.pinListener.placed(keyHash, current.id, true);
		}
		// Only a hot flow's excess leaves a healthy instance: a flow with one request
		// at a time waits out a burst at its instance (its budget only keeps new flows
		// off a busy home; a slow home moves the flow), unless the instance is
		// overloaded.
		HotFlowOverflow.Verdict verdict = (!current.slow && current.admission().saturated())
				? this.homeWait.decide(topology, current, keyHash, config, now) : HotFlowOverflow.Verdict.WAIT;
		boolean hot = verdict == HotFlowOverflow.Verdict.OVERFLOW_HOT;
		if (hot || verdict == HotFlowOverflow.Verdict.OVERFLOW_OVERLOADED) {
			InstanceStats overflow = this.fallback.overflow(topology, keyHash, current, excluded, config, now);
			if (overflow != null || hot) {
				// With no free permit elsewhere a hot flow's excess is named home: it
				// waits for the first permit of any fit instance (the gateway's service
				// queue); a request at an overloaded instance waits there.
				return this.counters.decided((overflow != null) ? overflow : current, DecisionReason.OVERFLOW, null,
						keyHash);
			}
		}
		if (!pin.home()) {
			this.pinListener.used(keyHash, current.id);
		}
		return this.counters.decided(current, pin.home() ? DecisionReason.HOME : DecisionReason.PINNED, null, keyHash);
	}

	/**
	 * Place a new flow, or move one ({@code cause} set): home if fit, else the best
	 * candidate, and record it unless it is a new flow at home seen for the first time.
	 * {@code expected} is where the table has the flow ({@code null}: nowhere), so that
	 * concurrent placements of one flow agree.
	 * @param topology the current instance set
	 * @param keyHash the hash of the flow key
	 * @param flowKey the flow's key in the flow table
	 * @param seen whether the doorkeeper had seen the flow
	 * @param excluded the instances the request must avoid
	 * @param cause why the flow moves, {@code null} for a new flow
	 * @param previous the instance the flow leaves, if any
	 * @param expected the instance the table has the flow on, if any
	 * @param config the scheduler configuration
	 * @param now the current time
	 * @return the decision
	 */
	private Decision place(Topology topology, long keyHash, long flowKey, boolean seen, Set<String> excluded,
			@Nullable MoveCause cause, @Nullable InstanceStats previous, @Nullable InstanceStats expected,
			SchedulerConfig config, long now) {
		String homeId = topology.ring.home(keyHash);
		InstanceStats home = topology.get(homeId);
		DecisionReason why = homeRejection(home, keyHash, excluded, topology, config, now);
		InstanceStats target = home;
		DecisionReason reason = (cause != null) ? DecisionReason.HOME : DecisionReason.NEW_FLOW;
		if (why != null) {
			target = this.fallback.best(topology, keyHash, homeId, excluded, this.totalInflight.getAsInt(), config,
					now);
			reason = why;
		}
		if (previous != null && !excluded.contains(previous.id) && topology.holds(previous)
				&& EligibilityLadder.unfitness(previous, now) <= EligibilityLadder.unfitness(target, now)) {
			// Panic: nothing better than where the flow is. Moving it between equally
			// unfit instances would only make it flap.
			target = previous;
		}
		boolean atHome = target == home;
		if (atHome) {
			reason = (cause != null) ? DecisionReason.HOME : DecisionReason.NEW_FLOW;
		}
		if (atHome && previous == null && !seen) {
			// Doorkeeper: a new flow at home is recorded from its second request on, so
			// that a flood of one-request keys never fills the table.
			return this.counters.decided(target, reason, null, keyHash);
		}
		long idle = config.affinity().idleTimeout().toNanos();
		InstanceStats recorded = this.flows.place(flowKey, expected, target, atHome, idle, seen ? 2 : 1).instance();
		if (recorded != target && topology.holds(recorded) && !excluded.contains(recorded.id)) {
			// A concurrent request of the same flow placed it first: one flow, one
			// instance.
			return this.counters.decided(recorded, reason, null, keyHash);
		}
		this.pinListener.placed(keyHash, target.id, atHome);
		// Nowhere better to go (panic): the flow stays, so it did not move.
		return this.counters.decided(target, reason, (target == previous) ? null : cause, keyHash);
	}

	/**
	 * Why a new or moving flow may not go home, or {@code null} when it may.
	 * @param home the flow's home instance
	 * @param keyHash the hash of the flow key
	 * @param excluded the instances the request must avoid
	 * @param topology the current instance set
	 * @param config the scheduler configuration
	 * @param now the current time
	 * @return the reason, or {@code null}
	 */
	private @Nullable DecisionReason homeRejection(InstanceStats home, long keyHash, Set<String> excluded,
			Topology topology, SchedulerConfig config, long now) {
		if (excluded.contains(home.id) || home.ejected(now) || home.draining) {
			return DecisionReason.FALLBACK_UNAVAILABLE;
		}
		if (home.slow) {
			return DecisionReason.FALLBACK_SLOW;
		}
		if (!SlowStartGate.admitsFlow(SlowStartGate.warmth(home, now, config.slowStart()), keyHash)) {
			return DecisionReason.FALLBACK_WARMING;
		}
		if (BoundedLoadCap.over(home, topology.totalWeight, this.totalInflight.getAsInt(), config.boundedLoad())) {
			return DecisionReason.FALLBACK_OVERLOADED;
		}
		if (home.admission().saturated() && this.homeWait.decide(topology, home, keyHash, config, now).overflows()
				&& this.fallback.anyFree(topology, keyHash, home.id, excluded, config, now)) {
			return DecisionReason.FALLBACK_OVERLOADED;
		}
		return null;
	}

}
