package io.github.latencylb.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which decisions may read a recent time ({@link NanoClock#recentNanoTime()}) and which
 * need the exact one: a clock whose recent time stays where a quiet spell began.
 */
class SchedulerRecentTimeTests {

	@Test
	void aFlowIdlePastItsTimeoutShouldFindItsPinExpiredEvenIfTheRecentTimeLags() {
		LaggingClock clock = new LaggingClock();
		SchedulerConfig.Builder builder = SchedulerConfig.custom();
		builder.idleTimeout = Duration.ofSeconds(2);
		Scheduler scheduler = new Scheduler("svc", builder.build(), clock, new SplittableRandom(1));
		scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1),
				new WeightedInstance("c", 1), new WeightedInstance("d", 1)));
		long key = StableHash.hash("quiet-flow");
		String home = scheduler.chooseForFlow(key, Set.of()).instanceId();
		String pinned = scheduler.chooseForFlow(key, Set.of(home)).instanceId();
		assertThat(pinned).isNotEqualTo(home);
		Decision again = scheduler.chooseForFlow(key, Set.of());
		assertThat(again.instanceId()).isEqualTo(pinned);
		assertThat(again.reason()).isEqualTo(DecisionReason.PINNED);
		// A quiet spell of three idle timeouts that nothing else read the clock through.
		clock.now += Duration.ofSeconds(6).toNanos();
		Decision after = scheduler.chooseForFlow(key, Set.of());
		assertThat(after.instanceId()).isEqualTo(home);
		assertThat(after.reason()).isNotEqualTo(DecisionReason.PINNED);
	}

	@Test
	void aKeylessDecisionShouldReadTheRecentTimeOnly() {
		LaggingClock clock = new LaggingClock();
		Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), clock, new SplittableRandom(1));
		scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)));
		// The first decision runs the refresh the new instances made due (the flow
		// table's sweep in it reads the exact time); the others read nothing else.
		assertThat(scheduler.chooseKeyless(Set.of())).isNotNull();
		int exactReads = clock.exactReads;
		for (int i = 0; i < 100; i++) {
			assertThat(scheduler.chooseKeyless(Set.of())).isNotNull();
		}
		assertThat(clock.exactReads).isEqualTo(exactReads);
		assertThat(clock.recentReads).isGreaterThanOrEqualTo(100);
	}

	/** Exact time moved by the test; recent time stuck at the start. */
	static final class LaggingClock implements NanoClock {

		static final long START = 9_000_000_000L;

		long now = START;

		int exactReads;

		int recentReads;

		@Override
		public long nanoTime() {
			this.exactReads++;
			return this.now;
		}

		@Override
		public long recentNanoTime() {
			this.recentReads++;
			return START;
		}

	}

}
