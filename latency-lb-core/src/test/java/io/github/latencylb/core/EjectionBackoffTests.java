package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EjectionBackoff} with literal nanoseconds: base interval 30 s, at most 300 s.
 */
class EjectionBackoffTests {

	private static final long BASE = 30_000_000_000L;

	private static final long MAX = 300_000_000_000L;

	@Test
	void decayedShouldDropOneStepPerFullHealthyBaseInterval() {
		long ended = 1_000_000_000_000L;
		assertThat(EjectionBackoff.decayed(3, ended, ended - 1, BASE)).isEqualTo(3);
		assertThat(EjectionBackoff.decayed(3, ended, ended, BASE)).isEqualTo(3);
		assertThat(EjectionBackoff.decayed(3, ended, ended + 29_999_999_999L, BASE)).isEqualTo(3);
		assertThat(EjectionBackoff.decayed(3, ended, ended + 30_000_000_000L, BASE)).isEqualTo(2);
		assertThat(EjectionBackoff.decayed(3, ended, ended + 60_000_000_000L, BASE)).isEqualTo(1);
		assertThat(EjectionBackoff.decayed(3, ended, ended + 900_000_000_000L, BASE)).isZero();
		assertThat(EjectionBackoff.decayed(0, ended, ended + 900_000_000_000L, BASE)).isZero();
	}

	@Test
	void decayedShouldWorkAcrossTheClockWrap() {
		long ended = Long.MAX_VALUE - 10_000_000_000L;
		assertThat(EjectionBackoff.decayed(2, ended, ended + 40_000_000_000L, BASE)).isOne();
	}

	@Test
	void intervalShouldGrowWithTheMultiplierUpToTheMaximum() {
		assertThat(EjectionBackoff.interval(1, BASE, MAX)).isEqualTo(30_000_000_000L);
		assertThat(EjectionBackoff.interval(4, BASE, MAX)).isEqualTo(120_000_000_000L);
		assertThat(EjectionBackoff.interval(11, BASE, MAX)).isEqualTo(300_000_000_000L);
		assertThat(EjectionBackoff.interval(Integer.MAX_VALUE, Long.MAX_VALUE / 2, Long.MAX_VALUE))
			.isEqualTo(Long.MAX_VALUE);
	}

}
