package io.github.latencylb.benchmarks.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;

/**
 * Heap cost of one tracked flow: the used heap (after {@code System.gc()}, read with
 * {@link MemoryMXBean}) of a scheduler with its instances and latency samples, before and
 * after placing {@code flows} flows (default configuration: the table holds up to
 * 1,000,000). The keys themselves are allocated before the first reading and not counted.
 * Repeated a few times; run it in a JVM of its own.
 * <p>
 * Arguments: {@code [flows] [instances] [repetitions] [output.md]}.
 */
public final class FlowMemory {

	private FlowMemory() {
	}

	public static void main(String[] args) throws Exception {
		int flows = (args.length > 0) ? Integer.parseInt(args[0]) : 1_000_000;
		int instances = (args.length > 1) ? Integer.parseInt(args[1]) : 32;
		int repetitions = (args.length > 2) ? Integer.parseInt(args[2]) : 3;
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long[] keys = Fleets.flowKeys(flows, 42);
		StringBuilder md = new StringBuilder();
		md.append("| run | flows in table | heap before (MiB) | heap after (MiB) | bytes per flow |\n");
		md.append("| ---: | ---: | ---: | ---: | ---: |\n");
		for (int run = 1; run <= repetitions; run++) {
			Scheduler scheduler = new Scheduler("memory", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
					ThreadLocalRandom.current());
			scheduler.updateInstances(Fleets.instances(instances));
			Fleets.warmAndFill(scheduler, new long[0]);
			long before = usedAfterGc(memory);
			Fleets.warmAndFill(scheduler, keys);
			long size = scheduler.snapshot().flowTableSize();
			long after = usedAfterGc(memory);
			Reference.reachabilityFence(scheduler);
			md.append(String.format(Locale.ROOT, "| %d | %,d | %.1f | %.1f | %.0f |%n", run, size, before / 1048576.0,
					after / 1048576.0, (double) (after - before) / size));
		}
		Reference.reachabilityFence(keys);
		System.out.print(md);
		if (args.length > 3) {
			Files.writeString(Path.of(args[3]), md);
		}
	}

	private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

}
