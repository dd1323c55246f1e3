package io.github.latencylb.core;

/**
 * Ejection intervals that grow with repeated ejections and shrink again after a healthy
 * period (as Envoy's outlier detection does): each ejection lasts
 * {@code base x multiplier}, at most {@code max}, and the multiplier drops by one for
 * every full {@code base} interval the instance spent out of ejection since its last one
 * ended. Pure functions of nanosecond instants, compared by difference.
 */
final class EjectionBackoff {

	private EjectionBackoff() {
	}

	/**
	 * The multiplier left from past ejections at {@code now}.
	 * @param ejections the multiplier after the last ejection (0: never ejected)
	 * @param ejectedUntilNanos when the last ejection ended (or ends)
	 * @param now the current instant
	 * @param baseNanos the base ejection interval, positive
	 * @return the multiplier, between 0 and {@code ejections}
	 */
	static int decayed(int ejections, long ejectedUntilNanos, long now, long baseNanos) {
		long healthy = now - ejectedUntilNanos;
		if (ejections <= 0 || healthy <= 0) {
			return Math.max(0, ejections);
		}
		return (int) Math.max(0, ejections - healthy / baseNanos);
	}

	/**
	 * The length of an ejection with a given multiplier.
	 * @param ejections the multiplier, at least 1
	 * @param baseNanos the base interval
	 * @param maxNanos the longest interval
	 * @return the interval in nanoseconds
	 */
	static long interval(int ejections, long baseNanos, long maxNanos) {
		return (baseNanos > maxNanos / ejections) ? maxNanos : Math.min(baseNanos * ejections, maxNanos);
	}

}
