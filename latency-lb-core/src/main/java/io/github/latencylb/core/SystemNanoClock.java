package io.github.latencylb.core;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link System#nanoTime()}, with a cheap recent reading. Every {@link #nanoTime()} call
 * (lease starts and ends, admission, the flow table: several per request) publishes its
 * reading when it is at least {@value #STEP_NANOS} ns newer than the published one, and
 * {@link #recentNanoTime()} returns the published reading, reading the clock afresh on
 * about one call in 64 so that a caller that never reads the clock otherwise still sees
 * time pass. A keyless decision thus costs no clock read (about 30 ns through a virtual
 * machine's vDSO), as an event loop's cached time does in proxies such as Envoy.
 * Thread-safe; the reading is shared by all schedulers of the process.
 */
final class SystemNanoClock implements NanoClock {

	/** Least age of the published reading before a newer one replaces it. */
	static final long STEP_NANOS = 100_000;

	/** Calls of {@link #recentNanoTime()} between fresh readings, on average. */
	static final int FRESH_EVERY = 64;

	private volatile long recent = System.nanoTime();

	@Override
	public long nanoTime() {
		long now = System.nanoTime();
		// Written only when it moved on enough: one cache line shared by all threads.
		if (now - this.recent >= STEP_NANOS) {
			this.recent = now;
		}
		return now;
	}

	@Override
	public long recentNanoTime() {
		if (ThreadLocalRandom.current().nextInt(FRESH_EVERY) == 0) {
			return nanoTime();
		}
		return this.recent;
	}

}
