package io.github.latencylb.benchmarks.e2e;

import java.util.List;

import io.github.latencylb.benchmarks.e2e.ClosedLoopLoad.Sample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link SampleStats}.
 */
class SampleStatsTests {

	private static Sample sample(double doneAt, double millis, int session, String instance, int status) {
		return new Sample(doneAt - millis / 1000, doneAt, millis, "session", session, instance, status);
	}

	@Test
	void offUsualInstanceCountsRequestsAwayFromEachSessionsMostFrequentInstance() {
		List<Sample> samples = List.of(sample(1, 10, 1, "a", 200), sample(2, 10, 1, "a", 200),
				sample(3, 10, 1, "b", 200), sample(1, 10, 2, "c", 200), sample(2, 10, 2, "c", 200),
				// Failed requests and requests outside the window do not count.
				sample(2, 10, 2, "", -1), sample(9, 10, 2, "d", 200));
		SampleStats stats = SampleStats.of(samples, "session", 0, 5);
		assertThat(stats.offUsualInstance()).isCloseTo(1 / 5.0, within(1e-9));
		assertThat(stats.count()).isEqualTo(6);
		assertThat(stats.errors()).isEqualTo(1);
	}

	@Test
	void percentileIsNearestRankOfSuccessfulRequests() {
		List<Sample> samples = List.of(sample(1, 30, 1, "a", 200), sample(1, 10, 1, "a", 200),
				sample(1, 20, 1, "a", 200), sample(1, 40, 1, "a", 200), sample(1, 999, 1, "", 503));
		SampleStats stats = SampleStats.of(samples, null, 0, 2);
		assertThat(stats.percentile(50)).isEqualTo(20);
		assertThat(stats.percentile(99)).isEqualTo(40);
		assertThat(stats.okShare()).isCloseTo(0.8, within(1e-9));
		assertThat(SampleStats.of(samples, "health", 0, 2).percentile(50)).isNaN();
	}

}
