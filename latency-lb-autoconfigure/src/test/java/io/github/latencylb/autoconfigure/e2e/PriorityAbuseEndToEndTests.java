package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.e2e.ClosedLoopLoad.Group;
import io.github.latencylb.autoconfigure.e2e.ClosedLoopLoad.Stats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health-check priority cannot be bought by a client, on the setup: one backend
 * instance with two workers and 40 ms of service time (50 requests/s), a gateway with two
 * permits per instance and otherwise default settings, 24 regular closed-loop clients.
 * <ul>
 * <li>6 clients sending {@code User-Agent: kube-probe/1.30} on ordinary paths get no
 * advantage (before: a mean latency 0.02x that of regular clients);</li>
 * <li>30 clients hammering {@code /health} leave regular clients at least 0.3x the
 * throughput they have without the flood, measured side by side in the same run (before:
 * 0.06x).</li>
 * </ul>
 */
@GatewayEndToEndTests(properties = { "spring.cloud.loadbalancer.cache.enabled=false",
		"latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.retry.max-attempts=1" })
class PriorityAbuseEndToEndTests {

	static final WorkerBackends backends = new WorkerBackends(1, 2, Duration.ofMillis(40));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	static final String BROWSER = "Mozilla/5.0";

	@LocalServerPort
	int port;

	@Autowired
	AdmissionRegistry admission;

	ClosedLoopLoad load;

	@BeforeEach
	void warmUp() {
		this.load = new ClosedLoopLoad(this.port);
		this.load.run(List.of(regular()), Duration.ofSeconds(2));
	}

	@AfterEach
	void drainedAndClosed() {
		this.load.close();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(this.admission.queues("svc").values()).isNotEmpty().allSatisfy((queue) -> {
				assertThat(queue.queueLength()).isZero();
				assertThat(queue.pool().availablePermits()).isEqualTo(queue.pool().maxPermits());
			}));
		// The gateway never let more than two requests reach the backend at once.
		assertThat(backends.backends.get(0).maxBusy.get()).isLessThanOrEqualTo(2);
	}

	@Test
	void healthCheckerUserAgentOnOrdinaryPathsShouldGainNoAdvantage() {
		Map<String, Stats> stats = this.load
			.run(List.of(regular(), new Group("spoofed", 6, "/work", "kube-probe/1.30")), Duration.ofSeconds(6));
		Stats regular = stats.get("regular");
		Stats spoofed = stats.get("spoofed");
		double ratio = spoofed.meanLatencyMillis() / regular.meanLatencyMillis();
		System.out.printf("User-Agent spoof: regular %s; spoofed %s; mean latency ratio spoofed/regular %.2f%n",
				regular, spoofed, ratio);
		assertThat(regular.ok.sum()).isGreaterThanOrEqualTo(50);
		assertThat(spoofed.ok.sum()).isGreaterThanOrEqualTo(10);
		assertThat(regular.failed.sum() + regular.errors.sum() + spoofed.failed.sum() + spoofed.errors.sum()).isZero();
		// Comparable (they share one FIFO): not 0.02x as when the User-Agent bought
		// priority.
		assertThat(ratio).isBetween(0.5, 2.0);
	}

	@Test
	void floodOnTheHealthPathShouldLeaveRegularClientsAtLeastAThirdOfTheirThroughput() {
		Duration phase = Duration.ofSeconds(4);
		Group flood = new Group("flood", 30, "/health", BROWSER);
		double alone = 0;
		double flooded = 0;
		double floodThroughput = 0;
		// Side by side, alternating, so that machine noise hits both alike.
		for (int round = 0; round < 2; round++) {
			Stats without = this.load.run(List.of(regular()), phase).get("regular");
			Map<String, Stats> with = this.load.run(List.of(regular(), flood), phase);
			System.out.printf(
					"Health-path flood, round %d: without flood, regular %s; with flood, regular %s, " + "flood %s%n",
					round, without, with.get("regular"), with.get("flood"));
			alone += without.throughput();
			flooded += with.get("regular").throughput();
			floodThroughput += with.get("flood").throughput();
		}
		double ratio = flooded / alone;
		System.out.printf("Health-path flood: regular throughput %.1f/s without, %.1f/s with (%.2fx); flood %.1f/s%n",
				alone / 2, flooded / 2, ratio, floodThroughput / 2);
		assertThat(alone / 2).as("regular throughput without the flood").isGreaterThan(20);
		assertThat(ratio).isGreaterThanOrEqualTo(0.3);
	}

	private static Group regular() {
		return new Group("regular", 24, "/work", BROWSER);
	}

}
