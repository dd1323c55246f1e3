package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OutstandingRequests}: the oldest age, the stuck test's second oldest, the
 * overflow beyond the slots, and no slot leaked under concurrent use.
 */
class OutstandingRequestsTests {

	private final OutstandingRequests outstanding = new OutstandingRequests();

	@Test
	void oldestAgeShouldBeThatOfTheEarliestStartStillTracked() {
		int first = this.outstanding.track(1_000L);
		this.outstanding.track(5_000L);
		this.outstanding.track(3_000L);
		assertThat(this.outstanding.oldestAge(10_000L)).isEqualTo(9_000L);
		this.outstanding.free(first);
		assertThat(this.outstanding.oldestAge(10_000L)).isEqualTo(7_000L);
		assertThat(this.outstanding.size()).isEqualTo(2);
	}

	@Test
	void emptyShouldHaveNoAge() {
		assertThat(this.outstanding.isEmpty()).isTrue();
		assertThat(this.outstanding.oldestAge(10_000L)).isZero();
		assertThat(this.outstanding.secondOldestAgeSince(10_000L, 0L)).isZero();
	}

	@Test
	void secondOldestShouldCountOnlyStartsSinceTheGivenTime() {
		this.outstanding.track(1_000L);
		this.outstanding.track(4_000L);
		this.outstanding.track(6_000L);
		this.outstanding.track(8_000L);
		// Since 2,000: 4,000 (age 6,000), 6,000 (age 4,000), 8,000.
		assertThat(this.outstanding.secondOldestAgeSince(10_000L, 2_000L)).isEqualTo(4_000L);
		// Since 7,000: only one.
		assertThat(this.outstanding.secondOldestAgeSince(10_000L, 7_000L)).isZero();
	}

	@Test
	void equalStartsShouldBothCount() {
		this.outstanding.track(2_000L);
		this.outstanding.track(2_000L);
		assertThat(this.outstanding.size()).isEqualTo(2);
		assertThat(this.outstanding.secondOldestAgeSince(3_000L, 0L)).isEqualTo(1_000L);
	}

	@Test
	void timesAroundTheNanoTimeWrapShouldCompareByDifference() {
		long start = Long.MAX_VALUE - 500L;
		this.outstanding.track(start);
		this.outstanding.track(start + 200L);
		long now = start + 1_000L;
		assertThat(this.outstanding.oldestAge(now)).isEqualTo(1_000L);
		assertThat(this.outstanding.secondOldestAgeSince(now, start)).isEqualTo(800L);
	}

	@Test
	void requestsBeyondTheSlotsShouldGoUntrackedAndFreeingThemShouldDoNothing() {
		List<Integer> slots = new ArrayList<>();
		for (int i = 0; i < OutstandingRequests.SLOTS; i++) {
			slots.add(this.outstanding.track(100L + i));
		}
		assertThat(slots).doesNotContain(OutstandingRequests.UNTRACKED).doesNotHaveDuplicates();
		int extra = this.outstanding.track(50L);
		assertThat(extra).isEqualTo(OutstandingRequests.UNTRACKED);
		this.outstanding.free(extra);
		assertThat(this.outstanding.size()).isEqualTo(OutstandingRequests.SLOTS);
		assertThat(this.outstanding.oldestAge(1_000L)).isEqualTo(900L);
		this.outstanding.free(slots.get(0));
		assertThat(this.outstanding.track(60L)).isEqualTo(slots.get(0));
		assertThat(this.outstanding.oldestAge(1_000L)).isEqualTo(940L);
	}

	@Test
	void concurrentTrackAndFreeShouldLeaveNothingBehind() throws Exception {
		int threads = 4;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		try {
			for (int t = 0; t < threads; t++) {
				pool.execute(() -> {
					try {
						go.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return;
					}
					for (int i = 0; i < 20_000; i++) {
						int a = this.outstanding.track(i);
						int b = this.outstanding.track(i + 1);
						assertThat(a).isNotEqualTo(b);
						this.outstanding.free(b);
						this.outstanding.free(a);
					}
				});
			}
			go.countDown();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(this.outstanding.isEmpty()).isTrue();
	}

}
