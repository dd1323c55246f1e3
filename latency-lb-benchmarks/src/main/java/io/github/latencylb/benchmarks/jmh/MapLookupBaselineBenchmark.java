package io.github.latencylb.benchmarks.jmh;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
 * Controls for {@link SchedulerChooseBenchmark}: a bare {@link ConcurrentHashMap} get,
 * and a get from a Caffeine cache configured as the core's flow table (maximum size
 * 1,000,000, expire 30 min after access, system ticker, maintenance on the caller's
 * thread), of the same keys in the same scattered order: what any table of that size pays
 * on this machine, and what the cache's bookkeeping adds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms2g", "-Xmx2g" })
@State(Scope.Thread)
public class MapLookupBaselineBenchmark {

	@Param({ "100000", "1000000" })
	int flows;

	private final ConcurrentHashMap<Long, Object> map = new ConcurrentHashMap<>();

	private long[] keys;

	private int cursor;

	@Setup(Level.Trial)
	public void setUp() {
		this.keys = Fleets.flowKeys(this.flows, 42);
		for (long key : this.keys) {
			this.map.put(key, new Object());
		}
	}

	@Benchmark
	public Object caffeineGet(CaffeineState state) {
		state.cursor = (int) ((state.cursor + 0x9E3779B1L) % state.keys.length);
		return state.cache.getIfPresent(state.keys[state.cursor]);
	}

	@Benchmark
	public Object get() {
		this.cursor = (int) ((this.cursor + 0x9E3779B1L) % this.keys.length);
		return this.map.get(this.keys[this.cursor]);
	}

	/**
	 * A Caffeine cache with the flow table's settings.
	 */
	@State(Scope.Thread)
	public static class CaffeineState {

		@Param({ "100000", "1000000" })
		int flows;

		Cache<Long, Object> cache;

		long[] keys;

		int cursor;

		@Setup(Level.Trial)
		public void setUp() {
			this.cache = Caffeine.newBuilder()
				.maximumSize(1_000_000)
				.expireAfterAccess(30, TimeUnit.MINUTES)
				.ticker(System::nanoTime)
				.executor(Runnable::run)
				.build();
			this.keys = Fleets.flowKeys(this.flows, 42);
			for (long key : this.keys) {
				this.cache.put(key, new Object());
			}
		}

	}

}
