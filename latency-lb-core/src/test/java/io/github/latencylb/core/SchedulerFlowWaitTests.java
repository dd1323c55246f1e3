package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.SchedulerAdmissionTests.FakeAdmission;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9: a keyed request whose home is saturated waits there unless its flow holds more
 * than its fair share of the home in flight (in practice two or more requests), however
 * long its expected wait; a flow's requests in flight are counted per instance from
 * {@link Scheduler#start} until the lease is released, on every path. Literal nanos.
 */
class SchedulerFlowWaitTests {

	private static final List<String> IDS = List.of("a", "b", "c");

	private final FakeClock clock = new FakeClock(3_000_000_000_000L);

	private final FakeAdmission admission = new FakeAdmission();

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), this.clock,
			new SplittableRandom(3));

	private final long key = StableHash.hash("session-1");

	SchedulerFlowWaitTests() {
		this.scheduler.updateInstances(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList());
		this.scheduler.setAdmissionView(this.admission);
		this.clock.advanceNanos(10_000_000_000L);
	}

	@Test
	void flowWithOneRequestInFlightShouldWaitAtItsSaturatedHome() {
		Decision first = this.scheduler.chooseForFlow(this.key, Set.of());
		String home = first.instanceId();
		Lease inFlight = this.scheduler.start(first);
		this.admission.saturate(home);
		for (int i = 0; i < 20; i++) {
			Decision next = this.scheduler.chooseForFlow(this.key, Set.of());
			assertThat(next.instanceId()).isEqualTo(home);
			assertThat(next.reason()).isIn(DecisionReason.HOME, DecisionReason.PINNED);
		}
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		inFlight.release();
	}

	@Test
	void newFlowShouldWaitAtItsSaturatedHome() {
		String home = ring().home(this.key);
		this.admission.saturate(home);
		Decision decision = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(decision.instanceId()).isEqualTo(home);
		assertThat(decision.reason()).isEqualTo(DecisionReason.NEW_FLOW);
	}

	@Test
	void flowWithTwoRequestsInFlightAtItsSaturatedHomeShouldOverflow() {
		Decision first = this.scheduler.chooseForFlow(this.key, Set.of());
		String home = first.instanceId();
		Lease one = this.scheduler.start(first);
		Lease two = this.scheduler.start(this.scheduler.chooseForFlow(this.key, Set.of()));
		this.admission.saturate(home);
		Decision third = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(third.instanceId()).isNotEqualTo(home);
		assertThat(third.reason()).isEqualTo(DecisionReason.OVERFLOW);
		assertThat(third.moveCause()).isNull();
		// Back to one in flight: it waits at home again.
		two.release();
		assertThat(this.scheduler.chooseForFlow(this.key, Set.of()).instanceId()).isEqualTo(home);
		one.release();
	}

	@Test
	void flowShouldWaitAtItsHealthyHomePastItsBudgetAndLeaveOnlyAnOverloadedOne() {
		// 100 ms everywhere: the fleet's p95 is 100 ms, a flow's budget 200 ms.
		for (String id : IDS) {
			Set<String> others = new HashSet<>(IDS);
			others.remove(id);
			for (int i = 0; i < SchedulerConfig.ofDefaults().latency().minSamples(); i++) {
				Lease lease = this.scheduler.start(this.scheduler.chooseKeyless(others));
				this.clock.advanceNanos(100_000_000L);
				lease.recordResponse(false);
				lease.release();
			}
		}
		this.clock.advanceNanos(SchedulerConfig.ofDefaults().refreshInterval().toNanos() + 1);
		String home = this.scheduler.chooseForFlow(this.key, Set.of()).instanceId();
		this.admission.saturate(home);
		// One waiting: about 100 ms, within the budget.
		this.admission.queues.put(home, 1);
		assertThat(this.scheduler.chooseForFlow(this.key, Set.of()).instanceId()).isEqualTo(home);
		// 5 waiting (nothing in flight: one request at a time): about 600 ms, over it,
		// and every other instance has a free permit: a flow with one request at a time
		// still does not leave its healthy home.
		this.admission.queues.put(home, 5);
		Decision next = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(next.instanceId()).isEqualTo(home);
		assertThat(next.reason()).isNotEqualTo(DecisionReason.OVERFLOW);
		assertThat(next.moveCause()).isNull();
		assertThat(this.scheduler.counters().decisions(DecisionReason.OVERFLOW)).isZero();
		// 50 waiting: about 5.1 s, over 10 budgets (2 s): the home is overloaded, not
		// momentarily full; this request takes a free permit elsewhere, the flow stays.
		this.admission.queues.put(home, 50);
		Decision overloaded = this.scheduler.chooseForFlow(this.key, Set.of());
		assertThat(overloaded.instanceId()).isNotEqualTo(home);
		assertThat(overloaded.reason()).isEqualTo(DecisionReason.OVERFLOW);
		assertThat(overloaded.moveCause()).isNull();
		this.admission.clear();
		assertThat(this.scheduler.chooseForFlow(this.key, Set.of()).instanceId()).isEqualTo(home);
	}

	@Test
	void flowCountsShouldBeReleasedOnEveryPath() {
		Decision first = this.scheduler.chooseForFlow(this.key, Set.of());
		InstanceStats home = first.stats();
		Lease answered = this.scheduler.start(first);
		Lease failed = this.scheduler.start(first);
		Lease cancelled = this.scheduler.start(first);
		Lease overloaded = this.scheduler.start(first);
		assertThat(home.flows.inflight(this.key)).isEqualTo(4);
		answered.recordResponse(false);
		answered.release();
		failed.recordFailure();
		failed.release();
		// Cancelled: released with nothing recorded, twice.
		cancelled.release();
		cancelled.release();
		overloaded.recordOverload();
		overloaded.release();
		overloaded.release();
		assertThat(home.flows.inflight(this.key)).isZero();
		// Retry: the first attempt's lease ends, the retry starts elsewhere.
		Lease attempt = this.scheduler.start(this.scheduler.chooseForFlow(this.key, Set.of()));
		Decision retry = this.scheduler.chooseForFlow(this.key, Set.of(home.id));
		attempt.recordFailure();
		attempt.release();
		Lease retried = this.scheduler.start(retry);
		assertThat(retry.stats().flows.inflight(this.key)).isEqualTo(1);
		retried.release();
		assertNoFlowInFlight();
	}

	@Test
	void flowCountsShouldNeverLeakUnderConcurrency() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(4);
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		List<Runnable> tasks = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			long seed = t;
			tasks.add(() -> {
				SplittableRandom random = new SplittableRandom(seed);
				try {
					List<Lease> open = new ArrayList<>();
					for (int i = 0; i < 20_000; i++) {
						long flow = random.nextInt(50);
						Set<String> excluded = (random.nextInt(10) == 0) ? Set.of(IDS.get(random.nextInt(3)))
								: Set.of();
						open.add(this.scheduler.start(this.scheduler.chooseForFlow(flow, excluded)));
						if (open.size() > 8 || random.nextBoolean()) {
							Lease lease = open.remove(random.nextInt(open.size()));
							switch (random.nextInt(3)) {
								case 0 -> lease.recordResponse(false);
								case 1 -> lease.recordFailure();
								default -> {
								}
							}
							lease.release();
							if (random.nextInt(4) == 0) {
								lease.release();
							}
						}
					}
					open.forEach(Lease::release);
				}
				catch (Throwable ex) {
					errors.add(ex);
				}
			});
		}
		tasks.forEach(pool::execute);
		pool.shutdown();
		assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
		assertThat(errors).isEmpty();
		assertNoFlowInFlight();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	private void assertNoFlowInFlight() {
		Set<String> seen = new HashSet<>();
		for (String id : IDS) {
			Set<String> others = new HashSet<>(IDS);
			others.remove(id);
			InstanceStats stats = this.scheduler.chooseKeyless(others).stats();
			seen.add(stats.id);
			assertThat(stats.flows.total()).as(id).isZero();
			assertThat(stats.flows.flows()).as(id).isZero();
		}
		assertThat(seen).containsExactlyInAnyOrderElementsOf(IDS);
	}

	private ConsistentHashRing ring() {
		return ConsistentHashRing.build(IDS.stream().map((id) -> new WeightedInstance(id, 1)).toList(),
				SchedulerConfig.ofDefaults().virtualNodes());
	}

}
