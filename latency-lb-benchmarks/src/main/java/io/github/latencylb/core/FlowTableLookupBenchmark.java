package io.github.latencylb.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
 * Issue 8's flow-table target, the table alone: a lookup of a known flow in the core's
 * {@link FlowTable} (bounded at 1,000,000 flows, the starter's default {@code max-flows};
 * the lookup a keyed request makes, which also counts a use and renews the idle deadline)
 * against a get from a bare {@link ConcurrentHashMap} holding the same keys, in the same
 * run. Both states are set up the same way: the flow-key hashes of the whole- decision
 * benchmark (seed 42), mixed with a service seed as the scheduler does, placed in rounds
 * until the table stops growing; the lookups then visit only the keys the table tracks
 * (the map holds exactly those), in the same scattered order. The set-up prints how many
 * are tracked. The target is a ratio of at most 3.
 * <p>
 * In the core's package because the table's lookup is not public API.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms2g", "-Xmx2g" })
public class FlowTableLookupBenchmark {

	/** A large odd stride visits every key once per lap, far from the previous one. */
	private static final long STRIDE = 0x9E3779B1L;

	private static final long SERVICE_SEED = StableHash.hash(0, "bench".hashCode());

	private static final long IDLE_NANOS = Duration.ofMinutes(30).toNanos();

	@Benchmark
	public Object concurrentHashMap(MapState state) {
		state.cursor = (int) ((state.cursor + STRIDE) % state.keys.length);
		return state.map.get(state.keys[state.cursor]);
	}

	@Benchmark
	public Object flowTable(TableState state) {
		state.cursor = (int) ((state.cursor + STRIDE) % state.keys.length);
		return state.table.get(state.keys[state.cursor], IDLE_NANOS);
	}

	/**
	 * Return the keys a table of the default bound tracks after {@code flows} flows were
	 * placed in rounds until it stopped growing, and that table.
	 * @param flows how many flows to place
	 * @return the table and its tracked keys
	 */
	static Filled fill(int flows) {
		FlowTable table = new FlowTable(SchedulerConfig.ofDefaults().affinity().maxFlows(), NanoClock.SYSTEM);
		InstanceStats[] instances = new InstanceStats[4];
		for (int i = 0; i < instances.length; i++) {
			instances[i] = new InstanceStats("instance-" + i, 1, System.nanoTime(), true, SchedulerConfig.ofDefaults());
		}
		long[] keys = new long[flows];
		for (int i = 0; i < flows; i++) {
			keys[i] = FlowTable.key(SERVICE_SEED, StableHash.hash(42, i));
		}
		long size = -1;
		for (int round = 0; round < 6 && table.size() > size; round++) {
			size = table.size();
			for (int i = 0; i < flows; i++) {
				if (table.get(keys[i], IDLE_NANOS) == null) {
					table.place(keys[i], null, instances[i % instances.length], true, IDLE_NANOS, 2);
				}
			}
		}
		long[] tracked = Arrays.stream(keys).filter((key) -> table.get(key, IDLE_NANOS) != null).toArray();
		System.out.printf("%nflow table: %,d of %,d keys tracked%n", tracked.length, flows);
		return new Filled(table, tracked);
	}

	/**
	 * A bare map of the keys the table tracks.
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
			this.keys = fill(this.trackedFlows).keys();
			for (long key : this.keys) {
				this.map.put(key, new Object());
			}
		}

	}

	/**
	 * A flow table tracking the keys.
	 */
	@State(Scope.Thread)
	public static class TableState {

		@Param({ "1000", "1000000" })
		int trackedFlows;

		FlowTable table;

		long[] keys;

		int cursor;

		@Setup(Level.Trial)
		public void setUp() {
			Filled filled = fill(this.trackedFlows);
			this.table = filled.table();
			this.keys = filled.keys();
		}

	}

	record Filled(FlowTable table, long[] keys) {

	}

}
