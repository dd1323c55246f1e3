package io.github.latencylb.autoconfigure.affinity;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks"): wall-clock
 * milliseconds in the high 48 bits, a counter in the low 16. Each value is greater than
 * every value this clock gave or {@link #observe observed} before, and stays close to the
 * wall clock, so the newest pin change wins across replicas even when their clocks differ
 * a little. Lock-free and thread-safe.
 */
final class HybridLogicalClock {

	private static final int LOGICAL_BITS = 16;

	private final LongSupplier wallMillis;

	private final AtomicLong last = new AtomicLong();

	HybridLogicalClock(LongSupplier wallMillis) {
		this.wallMillis = wallMillis;
	}

	/**
	 * Return a new timestamp, greater than any given or observed before.
	 * @return the timestamp
	 */
	long now() {
		long physical = this.wallMillis.getAsLong() << LOGICAL_BITS;
		return this.last.updateAndGet((previous) -> Math.max(previous + 1, physical));
	}

	/**
	 * Take a timestamp received from another replica into account.
	 * @param remote the remote timestamp
	 */
	void observe(long remote) {
		this.last.accumulateAndGet(remote, Math::max);
	}

	/**
	 * Return the wall-clock milliseconds of a timestamp.
	 * @param timestamp a timestamp of this clock
	 * @return its wall-clock milliseconds
	 */
	static long millis(long timestamp) {
		return timestamp >>> LOGICAL_BITS;
	}

}
