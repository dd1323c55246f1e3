package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RetryBudget}: {@code ratio x requests + minPerSecond x 10} retries
 * over a sliding ten-second window, on a fake clock.
 */
class RetryBudgetTests {

	private static final long SECOND = 1_000_000_000L;

	private final AtomicLong time = new AtomicLong(3 * SECOND + 250_000_000L);

	@Test
	void tryAcquireShouldAllowRatioTimesRequestsAndNoMore() {
		RetryBudget budget = new RetryBudget(0.2, 0, this.time::get);
		assertThat(budget.tryAcquire()).as("no request yet, no minimum").isFalse();
		requests(budget, 100);
		assertThat(budget.remaining()).isEqualTo(20);
		assertThat(acquireAll(budget)).isEqualTo(20);
		assertThat(budget.tryAcquire()).isFalse();
		// Five more requests earn exactly one more retry.
		requests(budget, 4);
		assertThat(budget.tryAcquire()).isFalse();
		requests(budget, 1);
		assertThat(budget.tryAcquire()).isTrue();
		assertThat(budget.tryAcquire()).isFalse();
	}

	@Test
	void tryAcquireShouldAllowTheMinimumPerSecondOverTheWindowWithoutRequests() {
		RetryBudget budget = new RetryBudget(0.2, 0.5, this.time::get);
		// 0.5 per second over a 10 s window: 5 retries, even with no request at all.
		assertThat(budget.remaining()).isEqualTo(5);
		assertThat(acquireAll(budget)).isEqualTo(5);
		// The minimum adds to the ratio: 10 requests earn 2 more.
		requests(budget, 10);
		assertThat(acquireAll(budget)).isEqualTo(2);
	}

	@Test
	void windowShouldSlideSoThatOldRequestsAndRetriesAreForgotten() {
		RetryBudget budget = new RetryBudget(0.5, 0, this.time::get);
		requests(budget, 20);
		assertThat(acquireAll(budget)).isEqualTo(10);
		// Nine seconds later the first second is still in the window: nothing left.
		advance(9 * SECOND);
		assertThat(budget.tryAcquire()).isFalse();
		requests(budget, 4);
		assertThat(acquireAll(budget)).isEqualTo(2);
		// One more second: the first second's 20 requests and 10 retries leave the
		// window,
		// the 4 requests and 2 retries of second nine remain.
		advance(SECOND);
		assertThat(budget.remaining()).isZero();
		requests(budget, 6);
		// (4 + 6) x 0.5 - 2 = 3
		assertThat(budget.remaining()).isEqualTo(3);
		// Ten seconds of silence forget everything.
		advance(10 * SECOND);
		assertThat(budget.remaining()).isZero();
		requests(budget, 2);
		assertThat(budget.remaining()).isEqualTo(1);
	}

	@Test
	void windowShouldSlideWhenTheClockIsNegative() {
		// System.nanoTime() may be negative: buckets must still age correctly.
		this.time.set(-25 * SECOND - 400_000_000L);
		RetryBudget budget = new RetryBudget(1.0, 0, this.time::get);
		requests(budget, 3);
		assertThat(acquireAll(budget)).isEqualTo(3);
		advance(5 * SECOND);
		requests(budget, 1);
		assertThat(acquireAll(budget)).isEqualTo(1);
		advance(5 * SECOND);
		// The first three requests and retries left the window, the fourth did not.
		assertThat(budget.remaining()).isZero();
		requests(budget, 2);
		assertThat(budget.remaining()).isEqualTo(2);
	}

	@Test
	void retriesOverLongSteadyTrafficShouldStayWithinTheShareOfRequests() {
		RetryBudget budget = new RetryBudget(0.2, 1, this.time::get);
		long granted = 0;
		// 60 s of 100 requests per second, each of which would like a retry.
		for (int second = 0; second < 60; second++) {
			for (int i = 0; i < 100; i++) {
				budget.onRequest();
				if (budget.tryAcquire()) {
					granted++;
				}
				advance(SECOND / 100);
			}
		}
		// At most 20 per 100 requests plus the one-per-second minimum.
		assertThat(granted).isLessThanOrEqualTo(60 * 20 + 60 + 10).isGreaterThanOrEqualTo(60 * 20);
	}

	@Test
	void constructorShouldRejectInvalidValues() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RetryBudget(-0.1, 1, this.time::get));
		assertThatIllegalArgumentException().isThrownBy(() -> new RetryBudget(1.1, 1, this.time::get));
		assertThatIllegalArgumentException().isThrownBy(() -> new RetryBudget(0.2, -1, this.time::get));
	}

	private void advance(long nanos) {
		this.time.addAndGet(nanos);
	}

	@Test
	void concurrentCallersShouldNeverTakeMoreRetriesThanTheBudget() throws Exception {
		int threads = 8;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			// Many small rounds: each starts all threads at once on a fresh budget of 20,
			// so that checks and takes interleave as much as possible.
			for (int round = 0; round < 300; round++) {
				RetryBudget budget = new RetryBudget(0.2, 0, this.time::get);
				requests(budget, 100);
				CountDownLatch start = new CountDownLatch(1);
				List<Future<Integer>> taken = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					taken.add(pool.submit(() -> {
						start.await();
						int acquired = 0;
						for (int i = 0; i < 10; i++) {
							if (budget.tryAcquire()) {
								acquired++;
							}
						}
						return acquired;
					}));
				}
				start.countDown();
				int total = 0;
				for (Future<Integer> future : taken) {
					total += future.get(10, TimeUnit.SECONDS);
				}
				assertThat(total).as("retries taken in round " + round).isEqualTo(20);
				assertThat(budget.remaining()).isZero();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static void requests(RetryBudget budget, int count) {
		for (int i = 0; i < count; i++) {
			budget.onRequest();
		}
	}

	private static int acquireAll(RetryBudget budget) {
		int acquired = 0;
		while (budget.tryAcquire()) {
			acquired++;
			if (acquired > 1_000_000) {
				throw new AssertionError("budget never runs out");
			}
		}
		return acquired;
	}

}
