package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;

import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The other side of {@link BurstyFlowsEndToEndTests}: with
 * {@code latency-lb.fallback.overload-wait-factor} lowered to 1 (and the wait budget to
 * half the fleet's p95, so that a loaded machine's long tail cannot hide the burst), an
 * instance whose queue holds its sessions' requests past one wait budget counts as
 * overloaded, and the requests beyond it take the free permits of the idle instances
 * (decision {@code overflow}); no flow moves (each session's next request goes home
 * again), every request is answered and afterwards nothing is taken. Slowness verdicts
 * are held off, as there.
 */
@GatewayEndToEndTests(properties = { "latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.queue.timeout=10s",
		"latency-lb.fallback.overload-wait-factor=1", "latency-lb.fallback.wait-budget-factor=0.5",
		"latency-lb.slowness.threshold=1000", "latency-lb.fallback.stuck-factor=1000" })
class OverloadedInstanceEndToEndTests extends SessionBurstSupport {

	static final int SESSIONS = 24;

	static final TestBackends backends = new TestBackends(3, Duration.ofMillis(20));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@Test
	void requestsPastTheOverloadThresholdShouldTakeFreePermitsElsewhereWithoutMovingTheirFlows() {
		Homed homed = sessionsHomedTogether(client(), SESSIONS);
		// Keyless requests one at a time first, so that the fleet's latency is known
		// (overload is judged against it: at least two instances with 20 samples).
		for (int i = 0; i < 150; i++) {
			client().get().uri("/work").responseSingle((response, body) -> body.then()).block(Duration.ofSeconds(10));
		}
		Bursts bursts = burst(client(), homed.sessions(), 3);
		Scheduler scheduler = this.schedulers.scheduler("svc");
		System.out.println("Overloaded instance " + homed.home() + ": served by " + bursts.servedBy() + ", slowest "
				+ bursts.slowestMillis() + " ms, decisions " + scheduler.snapshot().decisions());

		assertThat(bursts.servedBy().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(SESSIONS * 3L);
		assertThat(bursts.servedBy()).as("instances that served the sessions").hasSizeGreaterThanOrEqualTo(2);
		assertThat(scheduler.counters().decisions(DecisionReason.OVERFLOW)).as("overflow decisions").isPositive();
		for (MoveCause cause : MoveCause.values()) {
			assertThat(scheduler.counters().moves(cause)).as("flows moved, " + cause.tag()).isZero();
		}
		// One at a time, every session is back at its home.
		for (String session : homed.sessions()) {
			assertThat(send(client(), session).block(Duration.ofSeconds(10)).instance()).as(session)
				.isEqualTo(homed.home());
		}
		awaitNothingTaken(backends.instanceIds(), 2);
	}

}
