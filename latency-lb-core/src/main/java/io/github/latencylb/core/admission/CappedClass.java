package io.github.latencylb.core.admission;

/**
 * The one priority class of a {@link PriorityAdmissionQueue} that may jump the queue on a
 * bounded scale, e.g. health checks: when a request of this class has to wait, it keeps
 * its class only while fewer than {@code maxWaiters} requests wait at it and while the
 * class's token bucket ({@code maxPerSecond} tokens a second, at most
 * {@code max(1, maxPerSecond)} saved up) has a token; otherwise it waits as a regular
 * request: in {@code demotedClass}, offset 0, with the deadline given for that case. Only
 * this class may take the place of the last waiter of a full queue. Without such a bound
 * any client able to reach the class (a spoofed user agent, a flood on a health path)
 * could take every permit.
 *
 * @param priorityClass the capped class
 * @param maxWaiters the most requests waiting at the class at once; {@code 0} means a
 * request of the class never waits at it (it is admitted at once or waits as regular)
 * @param maxPerSecond requests of the class that may start waiting at it per second; must
 * be finite and {@code >= 0}
 * @param demotedClass the class of requests over the cap
 */
public record CappedClass(int priorityClass, int maxWaiters, double maxPerSecond, int demotedClass) {

	/**
	 * Validate the bounds.
	 * @param priorityClass the capped class
	 * @param maxWaiters the most waiters at the class, {@code >= 0}
	 * @param maxPerSecond the most new waiters at the class per second, finite,
	 * {@code >= 0}
	 * @param demotedClass the class of requests over the cap; must rank below the capped
	 * class
	 */
	public CappedClass {
		if (maxWaiters < 0) {
			throw new IllegalArgumentException("maxWaiters must be >= 0, was " + maxWaiters);
		}
		if (!(maxPerSecond >= 0) || Double.isInfinite(maxPerSecond)) {
			throw new IllegalArgumentException("maxPerSecond must be finite and >= 0, was " + maxPerSecond);
		}
		if (demotedClass <= priorityClass) {
			throw new IllegalArgumentException(
					"demotedClass (" + demotedClass + ") must rank below priorityClass (" + priorityClass + ")");
		}
	}

}
