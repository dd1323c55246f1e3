package io.github.latencylb.autoconfigure.e2e;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How the requests of a load test ended (a status, {@code cancelled}, {@code stuck},
 * ...), counted. Thread-safe.
 */
final class Outcomes {

	private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

	void add(String outcome) {
		this.counts.computeIfAbsent(outcome, (k) -> new LongAdder()).increment();
	}

	long count(String outcome) {
		LongAdder count = this.counts.get(outcome);
		return (count != null) ? count.sum() : 0;
	}

	long total() {
		return this.counts.values().stream().mapToLong(LongAdder::sum).sum();
	}

	/**
	 * Return the counts, by outcome.
	 * @return a sorted copy
	 */
	Map<String, Long> counts() {
		Map<String, Long> sorted = new TreeMap<>();
		this.counts.forEach((k, v) -> sorted.put(k, v.sum()));
		return sorted;
	}

	@Override
	public String toString() {
		return total() + " requests " + counts();
	}

}
