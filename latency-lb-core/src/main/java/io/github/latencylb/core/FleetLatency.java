package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The fleet's latency, recomputed on each refresh from the instances' windows: each
 * instance's windowed median and p95 (at least {@code minSamples} samples; kept while
 * fresh samples are too few, for at most two windows), and the fleet's median and p95 as
 * the lower median of the instances' values (so one slow instance does not move them),
 * and the usual requests in flight per instance. Unknown ({@code -1}) with fewer than two
 * instances measured: an instance is never judged against itself.
 */
final class FleetLatency {

	private volatile long medianNanos = -1;

	private volatile long p95Nanos = -1;

	private volatile int inflight = 1;

	/**
	 * Return the usual requests in flight per instance: the upper median over the
	 * instances at the last refresh, at least 1.
	 * @return the count
	 */
	int inflight() {
		return this.inflight;
	}

	/**
	 * Return the fleet's median latency.
	 * @return nanoseconds, {@code -1} when unknown
	 */
	long medianNanos() {
		return this.medianNanos;
	}

	/**
	 * Return the fleet's p95 latency.
	 * @return nanoseconds, {@code -1} when unknown
	 */
	long p95Nanos() {
		return this.p95Nanos;
	}

	void update(Collection<InstanceStats> instances, long nowNanos, SchedulerConfig config) {
		List<Long> medians = new ArrayList<>();
		List<Long> p95s = new ArrayList<>();
		for (InstanceStats s : instances) {
			LatencyWindow.Summary summary = s.window.summary(nowNanos);
			if (summary.count() >= config.latency().minSamples()) {
				s.medianNanos = summary.p50Nanos();
				s.p95Nanos = s.window.valueAtPercentile(95, nowNanos);
				s.medianStampNanos = nowNanos;
			}
			else if (nowNanos - s.medianStampNanos > 2 * config.latency().window().toNanos()) {
				// No fresh evidence for two windows: forget it.
				s.medianNanos = -1;
				s.p95Nanos = -1;
			}
			if (!s.ejected(nowNanos) && s.medianNanos >= 0) {
				medians.add(s.medianNanos);
				p95s.add(s.p95Nanos);
			}
		}
		this.medianNanos = lowerMedian(medians);
		this.p95Nanos = lowerMedian(p95s);
		List<Long> inflights = new ArrayList<>();
		for (InstanceStats s : instances) {
			inflights.add((long) s.inflight);
		}
		Collections.sort(inflights);
		this.inflight = inflights.isEmpty() ? 1 : (int) Math.max(1, inflights.get(inflights.size() / 2));
	}

	private static long lowerMedian(List<Long> values) {
		if (values.size() < 2) {
			return -1;
		}
		Collections.sort(values);
		return values.get((values.size() - 1) / 2);
	}

}
