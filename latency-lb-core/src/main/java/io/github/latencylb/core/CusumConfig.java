package io.github.latencylb.core;

/**
 * Knobs of the {@link CusumSlownessDetector}, in units of the natural log of an
 * instance's latency relative to the fleet's median latency.
 * <p>
 * The defaults ({@link #ofDefaults()}) were chosen for exponential service times, the
 * most variable common case (see the detector's Javadoc for the run lengths).
 *
 * @param referenceRatio latency ratio to the fleet median that counts as neither good nor
 * bad evidence: the CUSUM drift {@code k = ln(referenceRatio)}; samples above it raise
 * the statistic, samples below lower it
 * @param threshold statistic at which the instance is declared slow ({@code h})
 * @param clearThreshold statistic at or below which a slow instance is declared healthy
 * again (hysteresis), below {@code threshold}
 * @param minLogRatio lower clamp of one sample's log ratio (a very fast sample does not
 * buy unlimited credit)
 * @param maxLogRatio upper clamp of one sample's log ratio (one huge sample, a GC pause,
 * is not enough on its own)
 * @param outstandingFactor age, in fleet medians, from which a request still outstanding
 * counts as evidence (a censored sample at its current age)
 */
public record CusumConfig(double referenceRatio, double threshold, double clearThreshold, double minLogRatio,
		double maxLogRatio, double outstandingFactor) {

	/**
	 * Validate the knobs; a failure names the {@link SchedulerConfig.Builder} field.
	 */
	public CusumConfig {
		ConfigChecks.check(referenceRatio > 1 && Double.isFinite(referenceRatio), "cusumReferenceRatio", referenceRatio,
				"finite and greater than 1");
		ConfigChecks.check(threshold > 0 && Double.isFinite(threshold), "cusumThreshold", threshold,
				"finite and positive");
		ConfigChecks.check(clearThreshold >= 0 && clearThreshold < threshold, "cusumClearThreshold", clearThreshold,
				"at least 0 and below cusumThreshold (" + threshold + ")");
		ConfigChecks.check(minLogRatio < 0, "minLogRatio", minLogRatio, "negative");
		ConfigChecks.check(maxLogRatio > Math.log(referenceRatio) && Double.isFinite(maxLogRatio), "maxLogRatio",
				maxLogRatio, "finite and above ln(cusumReferenceRatio)");
		ConfigChecks.check(outstandingFactor >= 1 && Double.isFinite(outstandingFactor), "cusumOutstandingFactor",
				outstandingFactor, "finite and at least 1");
	}

	/**
	 * Return the defaults: reference ratio 3, threshold 5, clear at 2.5, log ratio
	 * clamped to {@code [-2, 3]} (0.14x to 20x the median), outstanding requests count
	 * from 3x the fleet median.
	 * @return the defaults
	 */
	public static CusumConfig ofDefaults() {
		return new CusumConfig(3.0, 5.0, 2.5, -2.0, 3.0, 3.0);
	}

	/**
	 * Return the CUSUM drift {@code k = ln(referenceRatio)}.
	 * @return the drift
	 */
	public double drift() {
		return Math.log(this.referenceRatio);
	}

}
