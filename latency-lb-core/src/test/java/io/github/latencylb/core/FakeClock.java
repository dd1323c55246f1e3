package io.github.latencylb.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Manually advanced {@link NanoClock} for tests. Thread-safe. Starts at an arbitrary
 * non-zero origin, since only differences of {@code nanoTime()} values mean anything.
 */
final class FakeClock implements NanoClock {

	private final AtomicLong now;

	FakeClock() {
		this(7_000_000_000_000L);
	}

	FakeClock(long startNanos) {
		this.now = new AtomicLong(startNanos);
	}

	@Override
	public long nanoTime() {
		return this.now.get();
	}

	void advance(Duration duration) {
		advanceNanos(duration.toNanos());
	}

	void advanceNanos(long nanos) {
		if (nanos < 0) {
			throw new IllegalArgumentException("time only moves forward");
		}
		this.now.addAndGet(nanos);
	}

	/**
	 * Move to a later instant (compared by difference, so it works across wrap-around).
	 */
	void advanceTo(long instantNanos) {
		advanceNanos(instantNanos - this.now.get());
	}

}
