package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of {@link LatencyWindow}: percentiles over between half a window and a
 * whole window of samples.
 */
class LatencyWindowTests {

	private static final long WINDOW = 10_000_000_000L;

	private static final long MS = 1_000_000L;

	@Test
	void summaryShouldGivePercentilesOfTheSamples() {
		LatencyWindow window = new LatencyWindow(WINDOW, 0);
		for (int i = 1; i <= 100; i++) {
			window.record(i * MS, 1);
		}
		LatencyWindow.Summary summary = window.summary(2);
		assertThat(summary.count()).isEqualTo(100);
		assertThat(summary.p50Nanos()).isBetween(50 * MS, 51 * MS);
		assertThat(summary.p99Nanos()).isBetween(99 * MS, 100 * MS);
		assertThat(summary.maxNanos()).isBetween(100 * MS, 101 * MS);
		assertThat(window.valueAtPercentile(10, 2)).isBetween(10 * MS, 11 * MS);
	}

	@Test
	void samplesShouldLeaveAfterAWindow() {
		LatencyWindow window = new LatencyWindow(WINDOW, 0);
		window.record(5 * MS, 0);
		assertThat(window.summary(WINDOW / 2 + 1).count()).isOne();
		assertThat(window.summary(WINDOW + 1).count()).isZero();
		assertThat(window.valueAtPercentile(50, WINDOW + 1)).isZero();
	}

	@Test
	void idleForAWholeWindowShouldForgetEverything() {
		LatencyWindow window = new LatencyWindow(WINDOW, 0);
		window.record(5 * MS, WINDOW / 2 - 1);
		assertThat(window.summary(3 * WINDOW).count()).isZero();
	}

	@Test
	void shouldWorkAcrossNanoTimeWrapAround() {
		long start = Long.MAX_VALUE - WINDOW / 4;
		LatencyWindow window = new LatencyWindow(WINDOW, start);
		window.record(5 * MS, start);
		assertThat(window.summary(start + WINDOW / 2).count()).isOne();
		assertThat(window.summary(start + WINDOW + 1).count()).isZero();
	}

}
