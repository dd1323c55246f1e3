package io.github.latencylb.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.SchedulerAdmissionTests.FakeAdmission;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A saturated instance that lags before any slowness verdict (its oldest request in
 * service older than 3 x both the fleet's median and the other instances' oldest
 * requests) lets a flow's request take a free permit elsewhere, without moving the flow;
 * a healthy instance in a burst (young requests in service) or a stall of everything (all
 * instances' requests as old) does not. Literal nanos: 100 ms responses everywhere.
 */
class SchedulerLaggingInstanceTests {

	private static final long MS = 1_000_000L;

	private static final List<String> IDS = List.of("a", "b", "c");

	private final FakeClock clock = new FakeClock(3_000_000_000_000L);

	private final FakeAdmission admission = new FakeAdmission();

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), this.clock,
			new SplittableRandom(3));

	private final long key = StableHash.hash("session-1");

	private String home;

	@BeforeEach
	void settle() {
		this.scheduler.updateInstances(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList());
		this.scheduler.setAdmissionView(this.admission);
		this.clock.advanceNanos(10_000_000_000L);
		for (String id : IDS) {
			for (int i = 0; i < SchedulerConfig.ofDefaults().latency().minSamples(); i++) {
				Lease lease = startOn(id);
				this.clock.advanceNanos(100 * MS);
				lease.recordResponse(false);
				lease.release();
			}
		}
		this.clock.advanceNanos(SchedulerConfig.ofDefaults().refreshInterval().toNanos() + 1);
		this.home = this.scheduler.chooseForFlow(this.key, Set.of()).instanceId();
	}

	@Test
	void requestShouldLeaveALaggingInstanceForAFreePermitWithoutMovingItsFlow() {
		Lease stuck = startOn(this.home);
		this.clock.advanceNanos(300 * MS);
		List<Lease> young = startOnOthers();
		this.clock.advanceNanos(50 * MS);
		// Home's oldest request: 350 ms, over 3 x max(100 ms median, 50 ms elsewhere).
		this.admission.saturate(this.home);
		this.admission.queues.put(this.home, 1);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isNotEqualTo(this.home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.OVERFLOW);
		assertThat(decision.moveCause()).isNull();
		// The flow stays pinned at home.
		this.admission.clear();
		assertThat(this.scheduler.chooseForFlow(this.key, Set.of()).instanceId()).isEqualTo(this.home);
		stuck.release();
		young.forEach(Lease::release);
	}

	@Test
	void requestShouldWaitAtAnInstanceWhoseRequestsInServiceAreYoung() {
		Lease busy = startOn(this.home);
		List<Lease> others = startOnOthers();
		this.clock.advanceNanos(250 * MS);
		// 250 ms: not over 3 x 100 ms.
		this.admission.saturate(this.home);
		this.admission.queues.put(this.home, 1);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(this.home);
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		busy.release();
		others.forEach(Lease::release);
	}

	@Test
	void requestShouldWaitWhenEveryInstanceIsAsOld() {
		// A stall: every instance's oldest request is 350 ms old.
		Lease busy = startOn(this.home);
		List<Lease> others = startOnOthers();
		this.clock.advanceNanos(350 * MS);
		this.admission.saturate(this.home);
		this.admission.queues.put(this.home, 1);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(this.home);
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		busy.release();
		others.forEach(Lease::release);
	}

	private Lease startOn(String id) {
		Set<String> others = new HashSet<>(IDS);
		others.remove(id);
		Decision decision = this.scheduler.chooseKeyless(others);
		assertThat(decision.instanceId()).isEqualTo(id);
		return this.scheduler.start(decision);
	}

	private List<Lease> startOnOthers() {
		return IDS.stream().filter((id) -> !id.equals(this.home)).map(this::startOn).toList();
	}

}
