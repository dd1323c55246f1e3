package io.github.latencylb.benchmarks.simulation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.ConsistentHashRing;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.CusumConfig;
import io.github.latencylb.core.CusumSlownessDetector;
import io.github.latencylb.core.FlowInflightCounts;
import io.github.latencylb.core.FlowLease;
import io.github.latencylb.core.FlowWaitConfig;
import io.github.latencylb.core.HotFlowOverflow;
import io.github.latencylb.core.NanoClock;

/**
 * Issue 9's algorithms assembled in the simulation's own policy code (not the core
 * {@code Scheduler}): flows pinned to their ring home, moved only when the
 * {@link CusumSlownessDetector} (fed by responses and by the age of the oldest request in
 * service) calls their instance slow; a full home overflows only requests of hot flows or
 * past the wait budget ({@link HotFlowOverflow} over {@link FlowInflightCounts}); keyless
 * requests go to the least loaded fit instance (and, in a two-level run, wait in the
 * service queue). Service time is measured from admission (queueing is not latency).
 */
final class FlowFairPolicy implements Policy {

	private static final int WINDOW = 1024;

	private final NanoClock clock;

	private final RandomGenerator random;

	private final AdmissionView admission;

	private final int concurrency;

	private final CusumSlownessDetector cusum = new CusumSlownessDetector(CusumConfig.ofDefaults());

	private final HotFlowOverflow overflow = new HotFlowOverflow(FlowWaitConfig.ofDefaults());

	private final Map<String, Node> nodes = new HashMap<>();

	private final Map<Long, String> pins = new HashMap<>();

	private final long[] window = new long[WINDOW];

	private int samples;

	private long fleetMedian;

	private long fleetP95;

	private List<String> ids = List.of();

	private ConsistentHashRing ring = ConsistentHashRing.build(List.of(), 1);

	private long slowMoves;

	private long hotOverflows;

	private long budgetOverflows;

	FlowFairPolicy(NanoClock clock, RandomGenerator random, AdmissionView admission, int concurrency) {
		this.clock = clock;
		this.random = random;
		this.admission = admission;
		this.concurrency = concurrency;
	}

	@Override
	public void instancesChanged(List<String> ids) {
		this.ids = List.copyOf(ids);
		for (String id : ids) {
			this.nodes.computeIfAbsent(id, (key) -> new Node(this.cusum.newState()));
		}
		this.ring = ConsistentHashRing.build(ids.stream().map((id) -> new WeightedInstance(id, 1)).toList(),
				RingHashPolicy.VIRTUAL_NODES);
	}

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		return startOn(keyless ? leastLoaded() : chooseKeyed(flowHash), flowHash, keyless);
	}

	/**
	 * Return the instances a keyless request may use: present and not slow (all present
	 * ones if none is fit), least loaded first.
	 * @return instance ids
	 */
	List<String> fit() {
		long now = this.clock.nanoTime();
		List<String> fit = new ArrayList<>();
		for (String id : this.ids) {
			if (!slow(id, now)) {
				fit.add(id);
			}
		}
		List<String> result = fit.isEmpty() ? new ArrayList<>(this.ids) : fit;
		result.sort((a, b) -> Integer.compare(this.nodes.get(a).inflight, this.nodes.get(b).inflight));
		return result;
	}

	/**
	 * Count a request on an instance (chosen here, or granted by a service queue).
	 * @param id the instance
	 * @param flowHash the flow (ignored when keyless)
	 * @param keyless whether the request has no flow key
	 * @return the pick
	 */
	Pick startOn(String id, long flowHash, boolean keyless) {
		Node node = this.nodes.get(id);
		FlowLease lease = keyless ? null : node.flows.acquire(flowHash);
		node.inflight++;
		return new Pick() {

			private long admittedAt = -1;

			@Override
			public String instanceId() {
				return id;
			}

			@Override
			public void admitted() {
				this.admittedAt = FlowFairPolicy.this.clock.nanoTime();
				node.outstanding.merge(this.admittedAt, 1, Integer::sum);
			}

			@Override
			public void completed(boolean failure) {
				node.inflight--;
				if (lease != null) {
					lease.release();
				}
				if (this.admittedAt >= 0) {
					node.outstanding.computeIfPresent(this.admittedAt, (key, count) -> (count > 1) ? count - 1 : null);
					if (!failure) {
						responded(node, FlowFairPolicy.this.clock.nanoTime() - this.admittedAt);
					}
				}
			}

		};
	}

	private String chooseKeyed(long flowHash) {
		long now = this.clock.nanoTime();
		String pinned = this.pins.get(flowHash);
		if (pinned == null || !this.nodes.containsKey(pinned) || !this.ids.contains(pinned)) {
			pinned = bestOf(this.ring.preferenceList(flowHash, 3, (id) -> !slow(id, now)), this.ring.home(flowHash));
			this.pins.put(flowHash, pinned);
		}
		else if (slow(pinned, now)) {
			String target = bestOf(this.ring.preferenceList(flowHash, 3, (id) -> !slow(id, now)), pinned);
			if (!target.equals(pinned)) {
				this.slowMoves++;
				this.pins.put(flowHash, target);
				pinned = target;
			}
		}
		if (this.admission.hasFreePermit(pinned)) {
			return pinned;
		}
		Node home = this.nodes.get(pinned);
		HotFlowOverflow.Verdict verdict = this.overflow.decide(home.flows.inflight(flowHash), home.flows.flows(),
				this.concurrency, this.admission.queueLength(pinned), (long) home.serviceEwma, this.fleetP95);
		if (!verdict.overflows()) {
			return pinned;
		}
		String home0 = pinned;
		// A spilling request may take any free instance, in ring order from the home.
		List<String> free = this.ring.preferenceList(flowHash, this.ids.size(),
				(id) -> !id.equals(home0) && !slow(id, now) && this.admission.hasFreePermit(id));
		if (free.isEmpty()) {
			return pinned;
		}
		if (verdict == HotFlowOverflow.Verdict.OVERFLOW_HOT) {
			this.hotOverflows++;
		}
		else {
			this.budgetOverflows++;
		}
		return free.get(0);
	}

	private String bestOf(List<String> candidates, String fallback) {
		String best = fallback;
		double bestCost = Double.MAX_VALUE;
		for (String id : candidates) {
			Node node = this.nodes.get(id);
			double cost = node.serviceEwma * (node.inflight + 1);
			if (cost < bestCost) {
				best = id;
				bestCost = cost;
			}
		}
		return best;
	}

	private String leastLoaded() {
		List<String> fit = fit();
		int least = this.nodes.get(fit.get(0)).inflight;
		int ties = 0;
		for (String id : fit) {
			ties += (this.nodes.get(id).inflight == least) ? 1 : 0;
		}
		return fit.get(this.random.nextInt(ties));
	}

	private boolean slow(String id, long now) {
		Node node = this.nodes.get(id);
		long oldest = node.outstanding.isEmpty() ? 0 : now - node.outstanding.firstKey();
		return this.cusum.onOutstanding(node.slowness, oldest, this.fleetMedian);
	}

	private void responded(Node node, long latency) {
		node.serviceEwma = (node.serviceEwma == 0) ? latency : 0.9 * node.serviceEwma + 0.1 * latency;
		this.window[this.samples++ % WINDOW] = latency;
		if (this.samples % 64 == 0 || this.samples < 64) {
			long[] sorted = Arrays.copyOf(this.window, Math.min(this.samples, WINDOW));
			Arrays.sort(sorted);
			this.fleetMedian = sorted[sorted.length / 2];
			this.fleetP95 = sorted[(int) (sorted.length * 0.95)];
		}
		this.cusum.onResponse(node.slowness, latency, this.fleetMedian);
	}

	/**
	 * Return the policy's own counts: moves for slowness, overflows by cause.
	 * @return a short summary
	 */
	String details() {
		return "slow moves=" + this.slowMoves + ", hot overflows=" + this.hotOverflows + ", over-budget overflows="
				+ this.budgetOverflows;
	}

	private static final class Node {

		final CusumSlownessDetector.State slowness;

		final FlowInflightCounts flows = new FlowInflightCounts(256);

		/** Admission times of the requests in service, with multiplicity. */
		final TreeMap<Long, Integer> outstanding = new TreeMap<>();

		int inflight;

		double serviceEwma;

		Node(CusumSlownessDetector.State slowness) {
			this.slowness = slowness;
		}

	}

}
