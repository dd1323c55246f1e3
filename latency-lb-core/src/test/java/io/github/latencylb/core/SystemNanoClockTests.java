package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SystemNanoClock}: its recent time is never ahead of the clock, follows the
 * clock's readings, and moves on by itself when nothing else reads the clock.
 */
class SystemNanoClockTests {

	@Test
	void recentTimeShouldNeverBeAheadOfTheClock() {
		SystemNanoClock clock = new SystemNanoClock();
		for (int i = 0; i < 10_000; i++) {
			long recent = clock.recentNanoTime();
			assertThat(System.nanoTime() - recent).isGreaterThanOrEqualTo(0);
			if (i % 100 == 0) {
				clock.nanoTime();
			}
		}
	}

	@Test
	void recentTimeShouldFollowReadingsOfTheClock() throws InterruptedException {
		SystemNanoClock clock = new SystemNanoClock();
		Thread.sleep(2);
		long read = clock.nanoTime();
		// More than a step passed since the last published reading: this one is
		// published, and a recent time is at least it.
		assertThat(clock.recentNanoTime() - read).isGreaterThanOrEqualTo(0);
		// A reading within a step of the published one is not published.
		long next = clock.nanoTime();
		if (next - read < SystemNanoClock.STEP_NANOS) {
			long recent = clock.recentNanoTime();
			assertThat(recent == read || recent - next >= 0).isTrue();
		}
	}

	@Test
	void recentTimeShouldMoveOnWithoutOtherReadings() throws InterruptedException {
		SystemNanoClock clock = new SystemNanoClock();
		long before = clock.recentNanoTime();
		Thread.sleep(2);
		long after = before;
		// About one call in 64 reads the clock: 10,000 calls all missing it has
		// probability (63/64)^10000, about 1e-68. Until then a call may answer the
		// published reading, which can be older than a fresh first one (a reading
		// within a step of the published one is not published): keep calling.
		for (int i = 0; i < 10_000 && after - before < 2_000_000; i++) {
			after = clock.recentNanoTime();
		}
		assertThat(after - before).isGreaterThanOrEqualTo(2_000_000);
	}

	@Test
	void aFakeClockShouldBeReadExactly() {
		long[] now = { 5 };
		NanoClock fake = () -> now[0];
		now[0] = 7;
		assertThat(fake.recentNanoTime()).isEqualTo(7);
	}

}
