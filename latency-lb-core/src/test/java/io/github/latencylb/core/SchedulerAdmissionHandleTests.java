package io.github.latencylb.core;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduler reads admission state through each instance's {@link AdmissionHandle},
 * resolved once per instance, never by looking an instance id up on a decision.
 */
class SchedulerAdmissionHandleTests {

	private final FakeClock clock = new FakeClock(5_000_000_000L);

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), this.clock,
			new SplittableRandom(11));

	private final AtomicBoolean aSaturated = new AtomicBoolean();

	@Test
	void decisionsShouldReadTheResolvedHandlesOnly() {
		this.scheduler.setAdmissionView(new AdmissionView() {

			@Override
			public boolean hasFreePermit(String instanceId) {
				throw new AssertionError("looked up " + instanceId);
			}

			@Override
			public int queueLength(String instanceId) {
				throw new AssertionError("looked up " + instanceId);
			}

			@Override
			public AdmissionHandle handle(String instanceId) {
				return new AdmissionHandle() {

					@Override
					public boolean hasFreePermit() {
						return !instanceId.equals("a") || !SchedulerAdmissionHandleTests.this.aSaturated.get();
					}

					@Override
					public boolean saturated() {
						return instanceId.equals("a") && SchedulerAdmissionHandleTests.this.aSaturated.get();
					}

					@Override
					public int queueLength() {
						return saturated() ? 50 : 0;
					}

				};
			}

		});
		this.scheduler.updateInstances(
				List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1), new WeightedInstance("c", 1)));
		// 100 ms responses everywhere: with 50 waiting, a's expected wait is over any new
		// flow's budget (issue 9: otherwise a new flow waits at its saturated home).
		for (String id : List.of("a", "b", "c")) {
			Set<String> others = new HashSet<>(Set.of("a", "b", "c"));
			others.remove(id);
			Lease lease = this.scheduler.start(this.scheduler.chooseKeyless(others));
			this.clock.advance(Duration.ofMillis(100));
			lease.recordResponse(false);
			lease.release();
		}
		this.aSaturated.set(true);
		for (long key = 1; key <= 300; key++) {
			Decision flow = this.scheduler.chooseForFlow(key * 0x9E3779B97F4A7C15L, Set.of());
			assertThat(flow.instanceId()).isNotEqualTo("a");
			assertThat(this.scheduler.chooseKeyless(Set.of()).instanceId()).isNotEqualTo("a");
		}
		assertThat(this.scheduler.counters().decisions(DecisionReason.FALLBACK_OVERLOADED)).isPositive();
	}

}
