package io.github.latencylb.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import reactor.netty.DisposableServer;

/**
 * Runs demo backends alone, for benchmarks where several gateways share the same
 * backends:
 * {@code DemoBackendsMain <count> <delayMillis> <firstPort> [<slowDelayMillis>]} starts
 * {@code count} backends on consecutive loopback ports (the last one slow if a slow delay
 * is given) and runs until killed.
 */
public final class DemoBackendsMain {

	private DemoBackendsMain() {
	}

	public static void main(String[] args) throws InterruptedException {
		int count = Integer.parseInt(args[0]);
		Duration delay = Duration.ofMillis(Long.parseLong(args[1]));
		int firstPort = Integer.parseInt(args[2]);
		Duration slowDelay = (args.length > 3) ? Duration.ofMillis(Long.parseLong(args[3])) : null;
		List<DisposableServer> servers = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			boolean slow = slowDelay != null && i == count - 1;
			String id = "demo-" + (i + 1) + (slow ? "-slow" : "");
			servers.add(DemoBackends.start(id, slow ? slowDelay : delay, firstPort + i));
			System.out.println(id + " http://127.0.0.1:" + (firstPort + i));
		}
		Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(DisposableServer::disposeNow)));
		Thread.currentThread().join();
	}

}
