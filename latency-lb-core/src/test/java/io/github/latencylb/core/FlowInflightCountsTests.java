package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Per-flow in-flight counts: exact, bounded and leak-free.
 */
class FlowInflightCountsTests {

	@Test
	void countsShouldFollowLeases() {
		FlowInflightCounts counts = new FlowInflightCounts(16);
		FlowLease a1 = counts.acquire(7);
		FlowLease a2 = counts.acquire(7);
		FlowLease b = counts.acquire(-3);
		assertThat(counts.inflight(7)).isEqualTo(2);
		assertThat(counts.inflight(-3)).isEqualTo(1);
		assertThat(counts.inflight(0)).isZero();
		assertThat(counts.flows()).isEqualTo(2);
		assertThat(counts.total()).isEqualTo(3);
		assertThat(a1.release()).isTrue();
		assertThat(a1.release()).isFalse();
		assertThat(counts.inflight(7)).isEqualTo(1);
		a2.release();
		b.release();
		assertThat(counts.flows()).isZero();
		assertThat(counts.total()).isZero();
		assertThat(counts.inflight(7)).isZero();
	}

	@Test
	void flowHashZeroShouldBeCountedLikeAnyOther() {
		FlowInflightCounts counts = new FlowInflightCounts(4);
		FlowLease lease = counts.acquire(0);
		assertThat(counts.inflight(0)).isEqualTo(1);
		lease.release();
		assertThat(counts.inflight(0)).isZero();
	}

	@Test
	void fullTableShouldLeaveNewFlowsUntrackedAndReadAsIdle() {
		FlowInflightCounts counts = new FlowInflightCounts(4);
		List<FlowLease> leases = new ArrayList<>();
		for (int i = 0; i < counts.maxFlows(); i++) {
			leases.add(counts.acquire(100 + i));
		}
		assertThat(counts.maxFlows()).isGreaterThanOrEqualTo(4);
		FlowLease extra = counts.acquire(999);
		assertThat(extra.tracked()).isFalse();
		assertThat(counts.inflight(999)).isZero();
		// A tracked flow may still add requests.
		FlowLease more = counts.acquire(100);
		assertThat(more.tracked()).isTrue();
		assertThat(counts.inflight(100)).isEqualTo(2);
		assertThat(extra.release()).isTrue();
		more.release();
		leases.forEach(FlowLease::release);
		assertThat(counts.total()).isZero();
		assertThat(counts.flows()).isZero();
		assertThat(counts.acquire(999).tracked()).isTrue();
	}

	@Test
	void randomAcquiresAndReleasesShouldMatchAModel() {
		// Few slots, many flows: long probe chains and wrap-around exercise the
		// backward-shift deletion.
		FlowInflightCounts counts = new FlowInflightCounts(48);
		SplittableRandom random = new SplittableRandom(11);
		Map<Long, Integer> model = new HashMap<>();
		List<FlowLease> leases = new ArrayList<>();
		List<Long> leaseFlows = new ArrayList<>();
		for (int step = 0; step < 200_000; step++) {
			if (leases.isEmpty() || (random.nextInt(2) == 0 && model.size() < 40)) {
				long flow = random.nextInt(60) * 0x1_0000_0000L;
				FlowLease lease = counts.acquire(flow);
				assertThat(lease.tracked()).isTrue();
				leases.add(lease);
				leaseFlows.add(flow);
				model.merge(flow, 1, Integer::sum);
			}
			else {
				int i = random.nextInt(leases.size());
				long flow = leaseFlows.get(i);
				leases.remove(i).release();
				leaseFlows.remove(i);
				model.computeIfPresent(flow, (key, count) -> (count > 1) ? count - 1 : null);
			}
			if (step % 97 == 0) {
				for (int f = 0; f < 60; f++) {
					long flow = f * 0x1_0000_0000L;
					assertThat(counts.inflight(flow)).as("flow %d at step %d", f, step)
						.isEqualTo(model.getOrDefault(flow, 0));
				}
				assertThat(counts.flows()).isEqualTo(model.size());
			}
		}
		leases.forEach(FlowLease::release);
		assertThat(counts.total()).isZero();
	}

	@Test
	void concurrentLeasesShouldNeverLeak() throws Exception {
		FlowInflightCounts counts = new FlowInflightCounts(64);
		int threads = 4;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		AtomicInteger doubleReleases = new AtomicInteger();
		for (int t = 0; t < threads; t++) {
			int seed = t;
			pool.execute(() -> {
				SplittableRandom random = new SplittableRandom(seed);
				await(start);
				List<FlowLease> held = new ArrayList<>();
				for (int i = 0; i < 50_000; i++) {
					if (held.size() < 8 && random.nextBoolean()) {
						held.add(counts.acquire(random.nextInt(20)));
					}
					else if (!held.isEmpty()) {
						FlowLease lease = held.remove(random.nextInt(held.size()));
						lease.release();
						// Another release path (a cancellation) racing the response.
						if (lease.release()) {
							doubleReleases.incrementAndGet();
						}
					}
				}
				held.forEach(FlowLease::release);
			});
		}
		start.countDown();
		pool.shutdown();
		assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
		assertThat(doubleReleases).hasValue(0);
		assertThat(counts.total()).isZero();
		assertThat(counts.flows()).isZero();
	}

	@Test
	void racingReleasesOfOneLeaseShouldUncountOnce() throws Exception {
		FlowInflightCounts counts = new FlowInflightCounts(8);
		for (int round = 0; round < 2_000; round++) {
			FlowLease keep = counts.acquire(5);
			FlowLease lease = counts.acquire(5);
			AtomicInteger wins = new AtomicInteger();
			Thread other = new Thread(() -> wins.addAndGet(lease.release() ? 1 : 0));
			other.start();
			wins.addAndGet(lease.release() ? 1 : 0);
			other.join();
			assertThat(wins).hasValue(1);
			assertThat(counts.inflight(5)).isEqualTo(1);
			keep.release();
		}
		assertThat(counts.total()).isZero();
	}

	@Test
	void badCapacityShouldBeRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowInflightCounts(0));
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
