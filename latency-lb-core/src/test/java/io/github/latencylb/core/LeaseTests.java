package io.github.latencylb.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of {@link Lease}: in flight from start to release, released exactly once,
 * the response recorded at most once, and nothing recorded for a cancelled request.
 */
class LeaseTests {

	private final Fleet fleet = new Fleet(SchedulerConfig.ofDefaults(), 3, 41);

	private final String id = Fleet.id(1);

	@Test
	void releaseShouldHappenExactlyOnce() {
		Lease lease = this.fleet.hold(this.id);
		Lease other = this.fleet.hold(this.id);
		assertThat(lease.instanceId()).isEqualTo(this.id);
		assertThat(this.fleet.scheduler.totalInflight()).isEqualTo(2);
		assertThat(this.fleet.stateOf(this.id).inflight()).isEqualTo(2);
		assertThat(lease.isReleased()).isFalse();
		assertThat(lease.release()).isTrue();
		assertThat(lease.isReleased()).isTrue();
		assertThat(lease.release()).isFalse();
		assertThat(lease.release()).isFalse();
		assertThat(this.fleet.scheduler.totalInflight()).isOne();
		assertThat(this.fleet.stateOf(this.id).inflight()).isOne();
		other.release();
		assertThat(this.fleet.scheduler.totalInflight()).isZero();
		assertThat(this.fleet.stateOf(this.id).oldestOutstandingNanos()).isZero();
	}

	@Test
	void responseRecordedAfterItsBodyShouldMeasureLatencyToTheHeadersAndMayBeAFailure() {
		Lease download = this.fleet.hold(this.id);
		this.fleet.clock.advance(Duration.ofMillis(40));
		assertThat(download.responded()).isTrue();
		assertThat(download.responded()).isFalse();
		// A long body: still in flight, but no longer an unanswered request.
		this.fleet.clock.advance(Duration.ofSeconds(30));
		assertThat(this.fleet.stateOf(this.id).inflight()).isOne();
		assertThat(this.fleet.stateOf(this.id).oldestOutstandingNanos()).isZero();
		// The body completes: one sample, of the time to the headers.
		assertThat(download.recordResponse(false)).isTrue();
		download.release();
		SchedulerSnapshot.Instance state = this.fleet.stateOf(this.id);
		assertThat(state.samples()).isOne();
		assertThat(state.p50Nanos()).isBetween(Fleet.ms(39).toNanos(), Fleet.ms(41).toNanos());
		// Another one whose body breaks off counts as a failure.
		Lease broken = this.fleet.hold(this.id);
		this.fleet.clock.advance(Duration.ofMillis(40));
		broken.responded();
		this.fleet.clock.advance(Duration.ofSeconds(1));
		assertThat(broken.recordFailure()).isTrue();
		broken.release();
		assertThat(this.fleet.stateOf(this.id).consecutiveFailures()).isOne();
		// A released lease no longer marks anything.
		assertThat(broken.responded()).isFalse();
	}

	@Test
	void releaseWithoutRecordShouldLeaveNoSample() {
		Lease cancelled = this.fleet.hold(this.id);
		this.fleet.clock.advance(Duration.ofSeconds(5));
		cancelled.release();
		SchedulerSnapshot.Instance state = this.fleet.stateOf(this.id);
		assertThat(state.samples()).isZero();
		assertThat(state.peakEwmaNanos()).isEqualTo(-1);
		assertThat(state.consecutiveFailures()).isZero();
	}

	@Test
	void recordShouldHappenAtMostOnceAndMeasureTheTimeSinceStart() {
		Lease lease = this.fleet.hold(this.id);
		this.fleet.clock.advance(Fleet.ms(42));
		assertThat(lease.recordResponse(false)).isTrue();
		this.fleet.clock.advance(Fleet.ms(1000));
		assertThat(lease.recordResponse(true)).isFalse();
		assertThat(lease.recordFailure()).isFalse();
		lease.release();
		SchedulerSnapshot.Instance state = this.fleet.stateOf(this.id);
		assertThat(state.samples()).isOne();
		assertThat(state.consecutiveFailures()).isZero();
		assertThat(state.p50Nanos()).isBetween(Fleet.ms(42).toNanos(), Fleet.ms(43).toNanos());
	}

	@Test
	void failureShouldCountAsAtLeastTheFailurePenalty() {
		Lease lease = this.fleet.hold(this.id);
		this.fleet.clock.advance(Fleet.ms(3));
		lease.recordFailure();
		lease.release();
		SchedulerSnapshot.Instance state = this.fleet.stateOf(this.id);
		assertThat(state.consecutiveFailures()).isOne();
		assertThat((long) state.peakEwmaNanos()).isEqualTo(SchedulerConfig.ofDefaults().failurePenalty().toNanos());
	}

	@Test
	void concurrentStartAndReleaseShouldReturnInflightToZero() throws Exception {
		Scheduler scheduler = new Scheduler("demo", SchedulerConfig.ofDefaults(), this.fleet.clock,
				new SynchronizedRandom(41));
		scheduler.updateInstances(Fleet.instances(4));
		int threads = 8;
		int perThread = 20_000;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		AtomicInteger doubleReleases = new AtomicInteger();
		List<Future<?>> futures = new ArrayList<>();
		try {
			for (int t = 0; t < threads; t++) {
				futures.add(pool.submit(() -> {
					go.await();
					ThreadLocalRandom random = ThreadLocalRandom.current();
					List<Lease> open = new ArrayList<>();
					for (int i = 0; i < perThread; i++) {
						Decision decision = random.nextBoolean() ? scheduler.chooseKeyless(Set.of())
								: scheduler.chooseForFlow(random.nextLong(1000), Set.of());
						Lease lease = scheduler.start(decision);
						if (random.nextInt(4) != 0) {
							lease.recordResponse(random.nextInt(50) == 0);
						}
						open.add(lease);
						if (open.size() > 16 || random.nextBoolean()) {
							Lease done = open.remove(random.nextInt(open.size()));
							done.release();
							if (done.release()) {
								doubleReleases.incrementAndGet();
							}
						}
						this.fleet.clock.advanceNanos(1000);
					}
					open.forEach(Lease::release);
					return null;
				}));
			}
			go.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(doubleReleases).hasValue(0);
		assertThat(scheduler.totalInflight()).isZero();
		assertThat(scheduler.snapshot().inflight()).isZero();
		assertThat(scheduler.snapshot().instances()).allSatisfy((instance) -> {
			assertThat(instance.inflight()).isZero();
			assertThat(instance.oldestOutstandingNanos()).isZero();
		});
	}

	@Test
	void concurrentFallbacksShouldNeverFailWhileInflightCountsChange() throws Exception {
		// Every choice ranks candidates (the key's home is excluded) while other threads
		// move the in-flight counts the ranking reads.
		Scheduler scheduler = new Scheduler("demo", SchedulerConfig.ofDefaults(), this.fleet.clock,
				new SynchronizedRandom(43));
		scheduler.updateInstances(Fleet.instances(4));
		ConsistentHashRing ring = ConsistentHashRing.build(Fleet.instances(4),
				SchedulerConfig.ofDefaults().virtualNodes());
		int threads = 4;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>();
		try {
			for (int t = 0; t < threads; t++) {
				futures.add(pool.submit(() -> {
					go.await();
					ThreadLocalRandom random = ThreadLocalRandom.current();
					List<Lease> open = new ArrayList<>();
					for (int i = 0; i < 100_000; i++) {
						long key = random.nextLong();
						Decision decision = scheduler.chooseForFlow(key, Set.of(ring.home(key)));
						open.add(scheduler.start(decision));
						if (open.size() > 3) {
							open.remove(random.nextInt(open.size())).release();
						}
					}
					open.forEach(Lease::release);
					return null;
				}));
			}
			go.countDown();
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(scheduler.totalInflight()).isZero();
	}

	@Test
	void racingReleasesOfOneLeaseShouldReleaseItOnce() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			for (int round = 0; round < 2000; round++) {
				Lease lease = this.fleet.hold(this.id);
				CountDownLatch go = new CountDownLatch(1);
				List<Future<Boolean>> results = new ArrayList<>();
				for (int t = 0; t < 4; t++) {
					results.add(pool.submit(() -> {
						go.await();
						return lease.release();
					}));
				}
				go.countDown();
				int released = 0;
				for (Future<Boolean> result : results) {
					released += result.get(10, TimeUnit.SECONDS) ? 1 : 0;
				}
				assertThat(released).isOne();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.fleet.scheduler.totalInflight()).isZero();
		assertThat(this.fleet.stateOf(this.id).inflight()).isZero();
	}

	/**
	 * A seedable generator safe to share between threads.
	 */
	private static final class SynchronizedRandom implements RandomGenerator {

		private final SplittableRandom random;

		SynchronizedRandom(long seed) {
			this.random = new SplittableRandom(seed);
		}

		@Override
		public synchronized long nextLong() {
			return this.random.nextLong();
		}

	}

}
