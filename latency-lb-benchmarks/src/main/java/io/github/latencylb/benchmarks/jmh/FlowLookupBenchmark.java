package io.github.latencylb.benchmarks.jmh;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.github.latencylb.core.Decision;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 8's flow-table target: a request of a known flow at {@code trackedFlows} tracked
 * flows, through the core {@link Scheduler}'s public API ({@code chooseForFlow}, which is
 * the flow-table lookup plus the decision around it, so an upper bound of the lookup's
 * cost), against a get from a bare {@link ConcurrentHashMap} of the same keys visited in
 * the same scattered order, in the same run. The target is a ratio of at most 3. With a
 * small table (1,000 flows, in cache) the ratio shows what the decision itself adds.
 * <p>
 * The scheduler has the default configuration (a table bounded at 1,000,000 flows, the
 * starter's default {@code max-flows}) and 4 instances; every key is placed in rounds
 * until the table stops growing, and the set-up prints how many are tracked.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms2g", "-Xmx2g" })
public class FlowLookupBenchmark {

	/** A large odd stride visits every key once per lap, far from the previous one. */
	private static final long STRIDE = 0x9E3779B1L;

	@Benchmark
	public Object concurrentHashMap(MapState state) {
		state.cursor = (int) ((state.cursor + STRIDE) % state.keys.length);
		return state.map.get(state.keys[state.cursor]);
	}

	@Benchmark
	public Decision scheduler(SchedulerState state) {
		state.cursor = (int) ((state.cursor + STRIDE) % state.keys.length);
		return state.scheduler.chooseForFlow(state.keys[state.cursor], Set.of());
	}

	/**
	 * A bare map of the keys.
	 */
	@State(Scope.Thread)
	public static class MapState {

		@Param({ "1000", "1000000" })
		int trackedFlows;

		final ConcurrentHashMap<Long, Object> map = new ConcurrentHashMap<>();

		long[] keys;

		int cursor;

		@Setup(Level.Trial)
		public void setUp() {
			this.keys = Fleets.flowKeys(this.trackedFlows, 42);
			for (long key : this.keys) {
				this.map.put(key, new Object());
			}
		}

	}

	/**
	 * A scheduler whose table tracks the keys.
	 */
	@State(Scope.Thread)
	public static class SchedulerState {

		@Param({ "1000", "1000000" })
		int trackedFlows;

		Scheduler scheduler;

		long[] keys;

		int cursor;

		@Setup(Level.Trial)
		public void setUp() {
			this.scheduler = new Scheduler("bench", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
					ThreadLocalRandom.current());
			this.scheduler.updateInstances(Fleets.instances(4));
			this.keys = Fleets.flowKeys(this.trackedFlows, 42);
			Fleets.warmAndFill(this.scheduler, this.keys);
			long size = this.scheduler.snapshot().flowTableSize();
			for (int round = 0; round < 6 && size < this.keys.length; round++) {
				for (long key : this.keys) {
					this.scheduler.chooseForFlow(key, Set.of());
				}
				long grown = this.scheduler.snapshot().flowTableSize();
				if (grown <= size) {
					break;
				}
				size = grown;
			}
			System.out.printf("%nflow table: %,d of %,d keys tracked%n", size, this.keys.length);
		}

	}

}
