package io.github.latencylb.core;

/**
 * Source of monotonic time in nanoseconds. Injected everywhere so that tests run on a
 * fake clock.
 */
@FunctionalInterface
public interface NanoClock {

	/**
	 * Clock backed by {@link System#nanoTime()}, whose {@link #recentNanoTime()} is a
	 * recent reading (see {@link SystemNanoClock}).
	 */
	NanoClock SYSTEM = new SystemNanoClock();

	/**
	 * Return the current time in nanoseconds; only differences between values are
	 * meaningful.
	 * @return the current time
	 */
	long nanoTime();

	/**
	 * Return a recent time, for decisions that tolerate a reading somewhat older than
	 * {@link #nanoTime()} (refresh due, slow-start ramp, decay of costs measured in
	 * seconds): it may be older than the current time, never ahead of it. The default is
	 * {@link #nanoTime()} itself, so that a fake clock is read exactly.
	 * @return a recent time
	 */
	default long recentNanoTime() {
		return nanoTime();
	}

}
