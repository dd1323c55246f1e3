package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Slowness by a confident median: an instance is slow when the sign-test lower bound of
 * its windowed median (at least {@code minSamples} samples) is above
 * {@code latencyFactor} x the fleet's (lower) median of medians, floored at
 * {@code minSlowLatency}; it stays slow while its median is above 80% of that threshold.
 * It is also slow when stuck: two requests outstanding for longer than
 * {@code stuckFactor} x the threshold with no response since they started. A median with
 * no fresh evidence for two windows is forgotten. Needs medians of two instances.
 */
final class SignTestSlowness implements SlownessDetector {

	/**
	 * Standard score of the sign-test bound an instance's median must clear before it is
	 * judged slow (one-sided, about 99.9%).
	 */
	private static final double CONFIDENCE_Z = 3.0;

	private static final double RECOVERY_FRACTION = 0.8;

	@Override
	public void assess(Collection<InstanceStats> instances, long nowNanos, SchedulerConfig config) {
		List<Long> medians = new ArrayList<>();
		for (InstanceStats s : instances) {
			LatencyWindow.Summary summary = s.window.summary(nowNanos);
			if (summary.count() >= config.latency().minSamples()) {
				s.medianNanos = summary.p50Nanos();
				s.medianLowerBoundNanos = s.window.valueAtPercentile(lowerBoundPercentile(summary.count()), nowNanos);
				s.medianStampNanos = nowNanos;
			}
			else if (nowNanos - s.medianStampNanos > 2 * config.latency().window().toNanos()) {
				// No fresh evidence for two windows: forget the verdict and let traffic
				// probe again.
				s.medianNanos = -1;
				s.medianLowerBoundNanos = -1;
			}
			if (!s.ejected(nowNanos) && s.medianNanos >= 0) {
				medians.add(s.medianNanos);
			}
		}
		double threshold = threshold(medians, config.slowness());
		for (InstanceStats s : instances) {
			boolean slowNow = false;
			if (threshold < Double.MAX_VALUE) {
				boolean overThreshold = s.slow ? s.medianNanos >= 0 && s.medianNanos > RECOVERY_FRACTION * threshold
						: s.medianLowerBoundNanos >= 0 && s.medianLowerBoundNanos > threshold;
				slowNow = overThreshold || s.unansweredAge(nowNanos) > config.slowness().stuckFactor() * threshold;
			}
			s.slow = slowNow;
		}
	}

	/**
	 * {@code latencyFactor} x the lower median of the medians, floored; none (max) with
	 * fewer than two medians.
	 * @param medians the windowed medians of the fleet
	 * @param config the slowness configuration
	 * @return the threshold in nanoseconds
	 */
	static double threshold(List<Long> medians, SlownessConfig config) {
		if (medians.size() < 2) {
			return Double.MAX_VALUE;
		}
		List<Long> sorted = new ArrayList<>(medians);
		Collections.sort(sorted);
		long fleetMedian = sorted.get((sorted.size() - 1) / 2);
		return Math.max(config.latencyFactor() * fleetMedian, config.minSlowLatency().toNanos());
	}

	/**
	 * The percentile whose value is a lower confidence bound of the median of
	 * {@code count} samples: the sign test's order statistic,
	 * {@code 50 x (1 - z / sqrt(n))}. Distribution-free, so an exponential tail measured
	 * over few samples does not pass for a slow instance.
	 * @param count the number of samples
	 * @return the percentile, in {@code [0, 50)}
	 */
	static double lowerBoundPercentile(long count) {
		return Math.max(0, 50 * (1 - CONFIDENCE_Z / Math.sqrt(count)));
	}

}
