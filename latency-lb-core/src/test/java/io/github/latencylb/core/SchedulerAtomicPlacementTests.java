package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent first requests of a new flow whose home is unfit land on one instance: the
 * fallback is chosen at random among near-equal candidates, so without an atomic
 * placement racing threads would spread one flow over several instances.
 */
class SchedulerAtomicPlacementTests {

	private static final int THREADS = 4;

	private static final int FLOWS = 2_000;

	@Test
	void concurrentFirstRequestsOfANewFlowShouldLandOnOneInstance() throws Exception {
		FakeClock clock = new FakeClock();
		SchedulerConfig config = SchedulerConfig.ofDefaults();
		Scheduler scheduler = new Scheduler("svc", config, clock, () -> ThreadLocalRandom.current().nextLong());
		List<ConsistentHashRing.WeightedInstance> instances = Fleet.instances(6);
		scheduler.updateInstances(instances);
		ConsistentHashRing ring = ConsistentHashRing.build(instances, config.virtualNodes());
		String ejected = Fleet.id(2);
		for (int i = 0; i < config.consecutiveFailures(); i++) {
			Lease lease = scheduler.start(
					scheduler.chooseKeyless(Set.of(Fleet.id(1), Fleet.id(3), Fleet.id(4), Fleet.id(5), Fleet.id(6))));
			lease.recordFailure();
			lease.release();
		}
		assertThat(scheduler.snapshot().instance(ejected).state()).isEqualTo(InstanceState.EJECTED);
		// Keys homed on the ejected instance: each new flow falls back to one of three
		// candidates with no latency yet, all near-equal.
		SplittableRandom random = new SplittableRandom(11);
		long[] keys = new long[FLOWS];
		for (int i = 0; i < FLOWS; i++) {
			long key;
			do {
				key = random.nextLong();
			}
			while (!ejected.equals(ring.home(key)));
			keys[i] = key;
		}
		AtomicReferenceArray<String>[] chosen = newResults();
		CyclicBarrier barrier = new CyclicBarrier(THREADS);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			int thread = t;
			threads.add(new Thread(() -> {
				try {
					for (int i = 0; i < FLOWS; i++) {
						barrier.await();
						Decision decision = scheduler.chooseForFlow(keys[i], Set.of());
						chosen[thread].set(i, decision.instanceId());
					}
				}
				catch (Throwable ex) {
					failure.compareAndSet(null, ex);
					barrier.reset();
				}
			}, "placement-" + t));
		}
		threads.forEach(Thread::start);
		for (Thread thread : threads) {
			thread.join(60_000);
			assertThat(thread.isAlive()).isFalse();
		}
		assertThat(failure.get()).isNull();
		Set<String> used = new HashSet<>();
		for (int i = 0; i < FLOWS; i++) {
			Set<String> forFlow = new HashSet<>();
			for (int t = 0; t < THREADS; t++) {
				forFlow.add(chosen[t].get(i));
			}
			assertThat(forFlow).as("instances of flow %d", i).hasSize(1);
			used.addAll(forFlow);
			// And the flow stays there.
			assertThat(scheduler.chooseForFlow(keys[i], Set.of()).instanceId()).isEqualTo(chosen[0].get(i));
		}
		// The fallback really was a choice among several instances.
		assertThat(used).hasSizeGreaterThan(1).doesNotContain(ejected);
	}

	@SuppressWarnings("unchecked")
	private static AtomicReferenceArray<String>[] newResults() {
		AtomicReferenceArray<String>[] results = new AtomicReferenceArray[THREADS];
		for (int t = 0; t < THREADS; t++) {
			results[t] = new AtomicReferenceArray<>(FLOWS);
		}
		return results;
	}

}
