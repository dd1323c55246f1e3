package io.github.latencylb.core;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.latencylb.core.CusumSlownessDetector.State;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * The CUSUM slowness test: fast on real degradation, silent on a healthy fleet, clears on
 * recovery.
 */
class CusumSlownessDetectorTests {

	private static final long MEDIAN = 20_000_000L;

	private final CusumSlownessDetector detector = new CusumSlownessDetector(
			new CusumConfig(3.0, 4.0, 2.0, -2.0, 3.0, 3.0));

	@Test
	void steadyTenTimesSlowerInstanceShouldBeSlowAtItsFourthResponse() {
		State state = this.detector.newState();
		// x = ln 10 = 2.303, k = ln 3 = 1.099: +1.204 per sample, h = 4.
		assertThat(this.detector.onResponse(state, 200_000_000L, MEDIAN)).isFalse();
		assertThat(this.detector.onResponse(state, 200_000_000L, MEDIAN)).isFalse();
		assertThat(this.detector.onResponse(state, 200_000_000L, MEDIAN)).isFalse();
		assertThat(this.detector.statistic(state)).isCloseTo(3 * (Math.log(10) - Math.log(3)), within(1e-5));
		assertThat(this.detector.onResponse(state, 200_000_000L, MEDIAN)).isTrue();
	}

	@Test
	void exponentialTenTimesSlowerInstanceShouldBeSlowWithinAboutFiveResponses() {
		SplittableRandom random = new SplittableRandom(42);
		int trials = 2_000;
		long total = 0;
		int within8 = 0;
		for (int t = 0; t < trials; t++) {
			int n = responsesUntilSlow(random, 10.0, 200);
			total += n;
			within8 += (n <= 8) ? 1 : 0;
		}
		assertThat((double) total / trials).isBetween(4.0, 6.0);
		assertThat((double) within8 / trials).isGreaterThan(0.85);
	}

	@Test
	void fiveTimesSlowerInstanceShouldBeSlow() {
		SplittableRandom random = new SplittableRandom(7);
		int trials = 2_000;
		long total = 0;
		int within40 = 0;
		for (int t = 0; t < trials; t++) {
			int n = responsesUntilSlow(random, 5.0, 1_000);
			total += n;
			within40 += (n <= 40) ? 1 : 0;
		}
		assertThat((double) total / trials).isBetween(7.0, 14.0);
		assertThat((double) within40 / trials).isGreaterThan(0.99);
	}

	@Test
	void healthyInstanceWithExponentialServiceShouldNeverBeSlowInOneHundredThousandSamples() {
		SplittableRandom random = new SplittableRandom(1);
		double meanNanos = MEDIAN / Math.log(2);
		for (int instance = 0; instance < 8; instance++) {
			State state = this.detector.newState();
			for (int i = 0; i < 100_000; i++) {
				long latency = (long) (meanNanos * -Math.log(1 - random.nextDouble()));
				assertThat(this.detector.onResponse(state, latency, MEDIAN)).as("instance %d sample %d", instance, i)
					.isFalse();
			}
		}
	}

	@Test
	void healthyInstanceWithOutstandingRequestsShouldNeverBeSlow() {
		// Four requests at once, exponential service: the oldest outstanding age is
		// reported after every response.
		SplittableRandom random = new SplittableRandom(3);
		double meanNanos = MEDIAN / Math.log(2);
		State state = this.detector.newState();
		long now = 0;
		long[] ends = new long[4];
		long[] starts = new long[4];
		for (int i = 0; i < 4; i++) {
			ends[i] = (long) (meanNanos * -Math.log(1 - random.nextDouble()));
		}
		for (int i = 0; i < 100_000; i++) {
			int next = 0;
			for (int j = 1; j < 4; j++) {
				next = (ends[j] < ends[next]) ? j : next;
			}
			now = ends[next];
			assertThat(this.detector.onResponse(state, now - starts[next], MEDIAN)).isFalse();
			starts[next] = now;
			ends[next] = now + (long) (meanNanos * -Math.log(1 - random.nextDouble()));
			long oldest = now - Math.min(Math.min(starts[0], starts[1]), Math.min(starts[2], starts[3]));
			assertThat(this.detector.onOutstanding(state, oldest, MEDIAN)).as("sample %d", i).isFalse();
		}
	}

	@Test
	void outstandingRequestShouldCountAsCensoredSampleWithoutBeingStored() {
		State state = this.detector.newState();
		for (int i = 0; i < 3; i++) {
			this.detector.onResponse(state, 200_000_000L, MEDIAN);
		}
		assertThat(this.detector.isSlow(state)).isFalse();
		// Below 3x the median: no evidence.
		assertThat(this.detector.onOutstanding(state, 59_000_000L, MEDIAN)).isFalse();
		// 150 ms = 7.5x: ln 7.5 - ln 3 = 0.92, with S = 3.61 reaches h = 4.
		assertThat(this.detector.onOutstanding(state, 150_000_000L, MEDIAN)).isTrue();
		// The request completed quickly after all, and nothing is outstanding: only S.
		this.detector.onResponse(state, MEDIAN, MEDIAN);
		assertThat(this.detector.onOutstanding(state, 0, MEDIAN)).isFalse();
	}

	@Test
	void outstandingRequestAloneShouldNotFlagAnInstanceBeforeItIsVeryOld() {
		State state = this.detector.newState();
		// ln(20) - ln(3) = 1.9 < 4 (the log ratio is clamped at 3).
		assertThat(this.detector.onOutstanding(state, 10_000_000_000L, MEDIAN)).isFalse();
	}

	@Test
	void recoveredInstanceShouldClearWithinBoundedGoodSamples() {
		State state = this.detector.newState();
		for (int i = 0; i < 50; i++) {
			this.detector.onResponse(state, 2_000_000_000L, MEDIAN);
		}
		assertThat(this.detector.statistic(state)).isCloseTo(8.0, within(1e-6));
		int good = 0;
		while (this.detector.isSlow(state)) {
			this.detector.onResponse(state, MEDIAN, MEDIAN);
			good++;
		}
		// From the cap 2h = 8 to the clear threshold 2 at -ln 3 per median sample.
		assertThat(good).isEqualTo((int) Math.ceil((8.0 - 2.0) / Math.log(3)));
	}

	@Test
	void slowVerdictShouldHoldBetweenClearAndTripThresholds() {
		State state = this.detector.newState();
		for (int i = 0; i < 4; i++) {
			this.detector.onResponse(state, 200_000_000L, MEDIAN);
		}
		assertThat(this.detector.isSlow(state)).isTrue();
		// 4.82 - 1.10 = 3.72: below h but above the clear threshold: still slow.
		this.detector.onResponse(state, MEDIAN, MEDIAN);
		assertThat(this.detector.statistic(state)).isLessThan(4.0).isGreaterThan(2.0);
		assertThat(this.detector.isSlow(state)).isTrue();
	}

	@Test
	void unknownFleetMedianShouldBeIgnored() {
		State state = this.detector.newState();
		for (int i = 0; i < 10; i++) {
			this.detector.onResponse(state, 2_000_000_000L, 0);
		}
		assertThat(this.detector.statistic(state)).isZero();
		this.detector.onResponse(state, 2_000_000_000L, MEDIAN);
		this.detector.reset(state);
		assertThat(this.detector.statistic(state)).isZero();
	}

	@Test
	void concurrentResponsesShouldNeverLoseAnUpdate() throws Exception {
		// Steps of +0.01 (latency 3 x e^0.01 medians) from 4 threads never reach the cap
		// of 8 below 800 samples.
		State state = this.detector.newState();
		long latency = Math.round(3 * Math.exp(0.01) * MEDIAN);
		ExecutorService pool = Executors.newFixedThreadPool(4);
		CountDownLatch start = new CountDownLatch(1);
		for (int t = 0; t < 4; t++) {
			pool.execute(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				for (int i = 0; i < 150; i++) {
					this.detector.onResponse(state, latency, MEDIAN);
				}
			});
		}
		start.countDown();
		pool.shutdown();
		assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		double step = Math.log((double) latency / MEDIAN) - Math.log(3);
		assertThat(this.detector.statistic(state)).isCloseTo(600 * step, within(1e-3));
		assertThat(this.detector.isSlow(state)).isTrue();
	}

	@Test
	void badConfigShouldBeRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CusumConfig(1.0, 4, 2, -2, 3, 3));
		assertThatIllegalArgumentException().isThrownBy(() -> new CusumConfig(3.0, 4, 4, -2, 3, 3));
		assertThatIllegalArgumentException().isThrownBy(() -> new CusumConfig(3.0, 4, 2, -2, 1, 3));
		assertThatIllegalArgumentException().isThrownBy(() -> new CusumConfig(3.0, 4, 2, -2, 3, 0.5));
	}

	private int responsesUntilSlow(SplittableRandom random, double slowdown, int limit) {
		State state = this.detector.newState();
		double meanNanos = slowdown * MEDIAN / Math.log(2);
		for (int n = 1; n <= limit; n++) {
			long latency = (long) (meanNanos * -Math.log(1 - random.nextDouble()));
			if (this.detector.onResponse(state, latency, MEDIAN)) {
				return n;
			}
		}
		return limit;
	}

}
