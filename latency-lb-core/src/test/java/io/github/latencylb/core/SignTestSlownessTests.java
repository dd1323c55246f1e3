package io.github.latencylb.core;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SignTestSlowness}: slow only with a confident median over the threshold, back
 * under 80% of it, stuck when two requests hang, and nothing with one median.
 */
class SignTestSlownessTests {

	private static final long START = 1_000_000_000L;

	private static final long MS = 1_000_000L;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final SignTestSlowness slowness = new SignTestSlowness();

	private final Topology topology = TestTopology.of(START, "a", "b", "c");

	@Test
	void thresholdShouldBeTheFactorTimesTheLowerMedianFloored() {
		SlownessConfig slow = SlownessConfig.ofDefaults();
		assertThat(SignTestSlowness.threshold(List.of(10 * MS), slow)).isEqualTo(Double.MAX_VALUE);
		assertThat(SignTestSlowness.threshold(List.of(30 * MS, 10 * MS, 20 * MS, 40 * MS), slow))
			.isEqualTo(2.0 * 20 * MS);
		assertThat(SignTestSlowness.threshold(List.of(100_000L, 200_000L), slow)).isEqualTo(2.0 * MS);
	}

	@Test
	void lowerBoundPercentileShouldFollowTheSignTest() {
		assertThat(SignTestSlowness.lowerBoundPercentile(9)).isZero();
		assertThat(SignTestSlowness.lowerBoundPercentile(100)).isEqualTo(35.0);
		assertThat(SignTestSlowness.lowerBoundPercentile(3600)).isEqualTo(47.5);
	}

	@Test
	void aConfidentlySlowMedianShouldBeSlowUntilUnderEightyPercentOfTheThreshold() {
		long now = START + 10 * MS;
		record("a", 10 * MS, 20, now);
		record("b", 10 * MS, 20, now);
		record("c", 50 * MS, 20, now);
		this.slowness.assess(this.topology.instances.values(), now, this.config);
		assertThat(this.topology.get("c").slow).isTrue();
		assertThat(this.topology.get("a").slow).isFalse();
		// Windows later, c's median is 17 ms: above 80% of 20 ms, still slow.
		long later = now + Duration.ofSeconds(30).toNanos();
		record("a", 10 * MS, 20, later);
		record("b", 10 * MS, 20, later);
		record("c", 17 * MS, 20, later);
		this.slowness.assess(this.topology.instances.values(), later, this.config);
		assertThat(this.topology.get("c").slow).isTrue();
		long recovered = later + Duration.ofSeconds(30).toNanos();
		record("a", 10 * MS, 20, recovered);
		record("b", 10 * MS, 20, recovered);
		record("c", 15 * MS, 20, recovered);
		this.slowness.assess(this.topology.instances.values(), recovered, this.config);
		assertThat(this.topology.get("c").slow).isFalse();
	}

	@Test
	void tooFewSamplesShouldJudgeNothing() {
		long now = START + 10 * MS;
		record("a", 10 * MS, 20, now);
		record("b", 10 * MS, 20, now);
		record("c", 90 * MS, 19, now);
		this.slowness.assess(this.topology.instances.values(), now, this.config);
		assertThat(this.topology.get("c").slow).isFalse();
		assertThat(this.topology.get("c").medianNanos).isEqualTo(-1);
	}

	private void record(String id, long latency, int count, long now) {
		InstanceStats s = this.topology.get(id);
		for (int i = 0; i < count; i++) {
			s.window.record(latency, now);
		}
	}

}
