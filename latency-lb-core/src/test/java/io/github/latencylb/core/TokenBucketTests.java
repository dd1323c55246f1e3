package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TokenBucket}: starts full, refills at the given rate, holds at most
 * {@code max(1, rate)} tokens.
 */
class TokenBucketTests {

	@Test
	void shouldStartFullThenRefillAtTheRate() {
		TokenBucket bucket = new TokenBucket(1_000L);
		assertThat(bucket.tryAcquire(1_000L, 2)).isTrue();
		assertThat(bucket.tryAcquire(1_000L, 2)).isTrue();
		assertThat(bucket.tryAcquire(1_000L, 2)).isFalse();
		// 2 per second: one token after 500 ms.
		assertThat(bucket.tryAcquire(500_000_999L, 2)).isFalse();
		assertThat(bucket.tryAcquire(500_001_000L, 2)).isTrue();
		assertThat(bucket.tryAcquire(500_001_000L, 2)).isFalse();
	}

	@Test
	void shouldHoldAtMostItsCapacityAfterALongIdle() {
		TokenBucket bucket = new TokenBucket(0L);
		assertThat(bucket.tryAcquire(0L, 3)).isTrue();
		int taken = 0;
		while (bucket.tryAcquire(3_600_000_000_000L, 3)) {
			taken++;
		}
		assertThat(taken).isEqualTo(3);
	}

	@Test
	void shouldHoldOneTokenWhenTheRateIsBelowOnePerSecond() {
		TokenBucket bucket = new TokenBucket(0L);
		assertThat(bucket.tryAcquire(0L, 0.5)).isTrue();
		assertThat(bucket.tryAcquire(1_999_999_999L, 0.5)).isFalse();
		assertThat(bucket.tryAcquire(2_000_000_000L, 0.5)).isTrue();
	}

}
