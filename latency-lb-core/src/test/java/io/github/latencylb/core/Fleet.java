package io.github.latencylb.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;

/**
 * Test fixture: a {@link Scheduler} on a {@link FakeClock} with a fixed seed, a copy of
 * its ring (built the same way, so tests know every key's home and preference list), and
 * helpers that find keys by home and feed latency samples through leases.
 */
final class Fleet {

	final FakeClock clock;

	final SchedulerConfig config;

	final Scheduler scheduler;

	private final SplittableRandom keys;

	private List<WeightedInstance> instances = List.of();

	private ConsistentHashRing ring;

	Fleet(SchedulerConfig config, int size, long seed) {
		this(config, instances(size), seed);
	}

	Fleet(SchedulerConfig config, List<WeightedInstance> instances, long seed) {
		this(config, instances, seed, new FakeClock());
	}

	Fleet(SchedulerConfig config, List<WeightedInstance> instances, long seed, FakeClock clock) {
		this(config, instances, seed, clock, "demo", new FlowTable(config.maxFlows(), clock));
	}

	/**
	 * A fleet of one service whose scheduler records its flows in a given (shared) table.
	 */
	Fleet(SchedulerConfig config, List<WeightedInstance> instances, long seed, FakeClock clock, String serviceId,
			FlowTable flows) {
		this.clock = clock;
		this.config = config;
		this.scheduler = new Scheduler(serviceId, config, this.clock, new SplittableRandom(seed), flows);
		this.keys = new SplittableRandom(~seed);
		update(instances);
	}

	/**
	 * The id of the i-th instance, like simple discovery's {@code host:port}.
	 */
	static String id(int i) {
		return "10.0.0." + i + ":8080";
	}

	/**
	 * Instances 1 to n, weight 1.
	 */
	static List<WeightedInstance> instances(int n) {
		return instances(1, n);
	}

	/**
	 * Instances first to last, weight 1.
	 */
	static List<WeightedInstance> instances(int first, int last) {
		List<WeightedInstance> result = new ArrayList<>();
		for (int i = first; i <= last; i++) {
			result.add(new WeightedInstance(id(i), 1));
		}
		return result;
	}

	/**
	 * Let the settle period after the first instance list pass, so that instances added
	 * from now on are put into slow start.
	 */
	void settle() {
		this.clock.advance(this.config.slowStartSettlePeriod());
	}

	void update(List<WeightedInstance> instances) {
		this.instances = List.copyOf(instances);
		this.ring = ConsistentHashRing.build(instances, this.config.virtualNodes());
		this.scheduler.updateInstances(instances);
	}

	List<WeightedInstance> instances() {
		return this.instances;
	}

	List<String> ids() {
		return this.ring.ids();
	}

	ConsistentHashRing ring() {
		return this.ring;
	}

	String home(long key) {
		return this.ring.home(key);
	}

	long newKey() {
		return this.keys.nextLong();
	}

	long keyHomedOn(String id) {
		while (true) {
			long key = newKey();
			if (id.equals(this.ring.home(key))) {
				return key;
			}
		}
	}

	List<Long> keysHomedOn(String id, int count) {
		List<Long> result = new ArrayList<>(count);
		while (result.size() < count) {
			result.add(keyHomedOn(id));
		}
		return result;
	}

	/**
	 * The {@code count} distinct instances that follow a key's home on the ring.
	 */
	List<String> nextOnRing(long key, int count) {
		List<String> list = this.ring.preferenceList(key, count + 1, (id) -> true);
		return list.subList(1, list.size());
	}

	Decision flow(long key) {
		return this.scheduler.chooseForFlow(key, Set.of());
	}

	/**
	 * A decision on a given instance, whatever its state: a keyless pick with every other
	 * instance excluded.
	 */
	Decision on(String id) {
		Set<String> others = new HashSet<>(ids());
		others.remove(id);
		Decision decision = this.scheduler.chooseKeyless(others);
		if (!decision.instanceId().equals(id)) {
			throw new IllegalStateException("could not target " + id + ", got " + decision);
		}
		return decision;
	}

	/**
	 * Start a request on an instance and keep it in flight.
	 */
	Lease hold(String id) {
		return this.scheduler.start(on(id));
	}

	/**
	 * Send {@code samplesEach} concurrent requests to each listed instance, all started
	 * now, and answer each after the instance's latency (advancing the clock). Nothing is
	 * decided while they are in flight, so no flow can move during the feed.
	 */
	void respond(Map<String, Duration> latencies, int samplesEach) {
		Map<Lease, Duration> leases = new LinkedHashMap<>();
		latencies.forEach((id, latency) -> {
			for (int i = 0; i < samplesEach; i++) {
				leases.put(hold(id), latency);
			}
		});
		long start = this.clock.nanoTime();
		leases.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach((entry) -> {
			this.clock.advanceTo(start + entry.getValue().toNanos());
			entry.getKey().recordResponse(false);
			entry.getKey().release();
		});
	}

	/**
	 * {@link #respond} with the same latency on every instance but the listed ones.
	 */
	void respondAll(Duration latency, int samplesEach, Map<String, Duration> exceptions) {
		Map<String, Duration> latencies = new LinkedHashMap<>();
		for (String id : ids()) {
			latencies.put(id, exceptions.getOrDefault(id, latency));
		}
		respond(latencies, samplesEach);
	}

	/**
	 * Let the next decision recompute fleet-wide state.
	 */
	void passRefresh() {
		this.clock.advance(this.config.refreshInterval().plusNanos(1));
	}

	long totalMoves() {
		long total = 0;
		for (MoveCause cause : MoveCause.values()) {
			total += this.scheduler.counters().moves(cause);
		}
		return total;
	}

	SchedulerSnapshot.Instance stateOf(String id) {
		return this.scheduler.snapshot().instance(id);
	}

	static Duration ms(long millis) {
		return Duration.ofMillis(millis);
	}

}
