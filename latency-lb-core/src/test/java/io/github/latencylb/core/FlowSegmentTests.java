package io.github.latencylb.core;

import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FlowSegment}: lookup renews and counts uses, expiry in coarse time, admission by
 * frequency when full, and the per-instance flow counts.
 */
class FlowSegmentTests {

	private final LongAdder rejected = new LongAdder();

	private final LongAdder evicted = new LongAdder();

	private final FlowSegment segment = new FlowSegment(4, this.rejected, this.evicted);

	private final InstanceStats a = new InstanceStats("a", 1, 1_000L, true, SchedulerConfig.ofDefaults());

	@Test
	void anEntryShouldLiveUntilItsDeadlineAndBeRenewedByALookup() {
		this.segment.place(11L, null, this.a, true, 1, 100, 200);
		assertThat(this.segment.get(11L, 200, 300)).isEqualTo(new FlowTable.Pin(this.a, true));
		assertThat(this.segment.get(11L, 300, 400)).isNotNull();
		assertThat(this.segment.get(11L, 401, 500)).isNull();
		assertThat(this.segment.size()).isZero();
		assertThat(this.a.homeFlows.get()).isZero();
	}

	@Test
	void aFullSegmentShouldAdmitANewKeyOnlyOverALessUsedVictim() {
		for (long key = 1; key <= 4; key++) {
			this.segment.place(key, null, this.a, false, 2, 100, 10_000);
		}
		assertThat(this.a.pinnedFlows.get()).isEqualTo(4);
		this.segment.place(99L, null, this.a, false, 1, 100, 10_000);
		assertThat(this.rejected.sum()).isOne();
		assertThat(this.segment.get(99L, 100, 10_000)).isNull();
		this.segment.place(98L, null, this.a, false, 2, 100, 10_000);
		assertThat(this.evicted.sum()).isOne();
		assertThat(this.segment.size()).isEqualTo(4);
		assertThat(this.a.pinnedFlows.get()).isEqualTo(4);
	}

	@Test
	void anExpiredVictimShouldMakeRoomWithoutCountingAsEviction() {
		for (long key = 1; key <= 4; key++) {
			this.segment.place(key, null, this.a, false, 15, 100, 200);
		}
		this.segment.place(99L, null, this.a, false, 1, 201, 10_000);
		assertThat(this.evicted.sum()).isZero();
		assertThat(this.rejected.sum()).isZero();
		assertThat(this.segment.get(99L, 202, 10_000)).isNotNull();
	}

	@Test
	void sweepShouldForgetExpiredEntries() {
		this.segment.place(1L, null, this.a, true, 1, 100, 200);
		this.segment.place(2L, null, this.a, true, 1, 100, 900);
		this.segment.sweep(500, 4096);
		assertThat(this.segment.size()).isOne();
		assertThat(this.a.homeFlows.get()).isOne();
	}

}
