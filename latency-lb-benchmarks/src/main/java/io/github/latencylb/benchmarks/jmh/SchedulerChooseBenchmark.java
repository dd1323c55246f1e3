package io.github.latencylb.benchmarks.jmh;

import java.util.Set;
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
 * Cost of one decision of the core {@link Scheduler} (default configuration, system
 * clock): with {@code flows = 0} a keyless request (power of two choices, the table stays
 * empty); otherwise a request of a flow already in a table of {@code flows} flows, keys
 * visited in a scattered order so that the table does not sit in cache.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms2g", "-Xmx2g" })
@State(Scope.Thread)
public class SchedulerChooseBenchmark {

	@Param({ "4", "32", "256" })
	int instances;

	@Param({ "0", "100000", "1000000" })
	int flows;

	private Scheduler scheduler;

	private long[] keys;

	private int cursor;

	@Setup(Level.Trial)
	public void setUp() {
		this.scheduler = new Scheduler("bench", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
				ThreadLocalRandom.current());
		this.scheduler.updateInstances(Fleets.instances(this.instances));
		this.keys = Fleets.flowKeys(this.flows, 42);
		Fleets.warmAndFill(this.scheduler, this.keys);
	}

	@Benchmark
	public Decision choose() {
		if (this.flows == 0) {
			return this.scheduler.chooseKeyless(Set.of());
		}
		// A large odd stride visits every key once per lap, far from the previous one.
		this.cursor = (int) ((this.cursor + 0x9E3779B1L) % this.keys.length);
		return this.scheduler.chooseForFlow(this.keys[this.cursor], Set.of());
	}

}
