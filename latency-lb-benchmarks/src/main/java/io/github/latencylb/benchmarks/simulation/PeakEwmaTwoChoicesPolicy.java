package io.github.latencylb.benchmarks.simulation;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.PeakEwma;

/**
 * Power of two choices (Mitzenmacher) by peak EWMA x (in-flight + 1), as Finagle's and
 * Linkerd's balancers do: two distinct random instances, the lower score wins. Latency is
 * the core's {@link PeakEwma} with a 10 s decay; an instance with no sample yet costs
 * nothing, so it is tried. A failure counts as its elapsed time (no penalty), like a
 * plain proxy that only sees time.
 */
final class PeakEwmaTwoChoicesPolicy extends InflightPolicy {

	private static final long DECAY_NANOS = Duration.ofSeconds(10).toNanos();

	private final NanoClock clock;

	private final RandomGenerator random;

	private final Map<String, PeakEwma> latency = new HashMap<>();

	PeakEwmaTwoChoicesPolicy(NanoClock clock, RandomGenerator random) {
		this.clock = clock;
		this.random = random;
	}

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		long now = this.clock.nanoTime();
		int n = this.ids.size();
		if (n == 1) {
			return started(this.ids.get(0), now);
		}
		int i = this.random.nextInt(n);
		int j = this.random.nextInt(n - 1);
		if (j >= i) {
			j++;
		}
		String a = this.ids.get(i);
		String b = this.ids.get(j);
		return started((score(a, now) <= score(b, now)) ? a : b, now);
	}

	@Override
	protected void onCompleted(String id, long startNanos, boolean failure) {
		long now = this.clock.nanoTime();
		this.latency.computeIfAbsent(id, (key) -> new PeakEwma(DECAY_NANOS, now)).observe(now - startNanos, now);
	}

	private double score(String id, long now) {
		PeakEwma ewma = this.latency.get(id);
		double cost = (ewma != null) ? Math.max(0, ewma.value(now)) : 0;
		return cost * (inflight(id) + 1);
	}

}
