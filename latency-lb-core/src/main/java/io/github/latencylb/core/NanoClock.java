package io.github.latencylb.core;

/**
 * Source of monotonic time in nanoseconds. Injected everywhere so that tests run on a
 * fake clock.
 */
@FunctionalInterface
public interface NanoClock {

	/**
	 * Clock backed by {@link System#nanoTime()}.
	 */
	NanoClock SYSTEM = System::nanoTime;

	/**
	 * Return the current time in nanoseconds; only differences between values are
	 * meaningful.
	 * @return the current time
	 */
	long nanoTime();

}
