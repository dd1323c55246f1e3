package io.github.latencylb.core;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link FlowTable} alone, with a fake clock.
 */
class FlowTableTests {

	private static final long IDLE = Duration.ofMinutes(30).toNanos();

	private final FakeClock clock = new FakeClock();

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final InstanceStats a = new InstanceStats("a", 1, this.clock.nanoTime(), true, this.config);

	private final InstanceStats b = new InstanceStats("b", 1, this.clock.nanoTime(), true, this.config);

	@Test
	void placeShouldRecordAndCountAndGetShouldFindIt() {
		FlowTable table = new FlowTable(100, this.clock);
		assertThat(table.get(42, IDLE)).isNull();
		assertThat(table.place(42, null, this.a, true, IDLE, 1)).isEqualTo(new FlowTable.Pin(this.a, true));
		assertThat(table.get(42, IDLE)).isEqualTo(new FlowTable.Pin(this.a, true));
		assertThat(this.a.homeFlows.get()).isOne();
		// Moved from a (expected) to b: the counts follow.
		assertThat(table.place(42, this.a, this.b, false, IDLE, 1)).isEqualTo(new FlowTable.Pin(this.b, false));
		assertThat(this.a.homeFlows.get()).isZero();
		assertThat(this.b.pinnedFlows.get()).isOne();
		assertThat(table.size()).isOne();
	}

	@Test
	void placeWhenAnotherPlacementCameFirstShouldChangeNothingAndReturnIt() {
		FlowTable table = new FlowTable(100, this.clock);
		table.place(42, null, this.a, false, IDLE, 1);
		// Expected nothing recorded, but a is: the flow stays on a.
		assertThat(table.place(42, null, this.b, false, IDLE, 1).instance()).isSameAs(this.a);
		assertThat(table.get(42, IDLE).instance()).isSameAs(this.a);
		assertThat(this.b.pinnedFlows.get()).isZero();
	}

	@Test
	void entryIdleForItsTimeoutShouldBeForgottenOnLookupOrSweep() {
		FlowTable table = new FlowTable(100, this.clock);
		table.place(1, null, this.a, true, 1_000_000_000L, 1);
		table.place(2, null, this.a, true, 1_000_000_000L, 1);
		this.clock.advanceNanos(900_000_000L);
		assertThat(table.get(1, 1_000_000_000L)).isNotNull();
		this.clock.advanceNanos(900_000_000L);
		// Key 1 was used 0.9 s ago, key 2 1.8 s ago.
		assertThat(table.get(1, 1_000_000_000L)).isNotNull();
		assertThat(this.a.homeFlows.get()).isEqualTo(2);
		table.sweep();
		assertThat(this.a.homeFlows.get()).isOne();
		assertThat(table.get(2, 1_000_000_000L)).isNull();
		this.clock.advanceNanos(1_100_000_000L);
		assertThat(table.get(1, 1_000_000_000L)).isNull();
		assertThat(table.size()).isZero();
		assertThat(this.a.homeFlows.get()).isZero();
	}

	@Test
	void fullTableShouldKeepFrequentFlowsAndTurnAwayOneUseKeys() {
		FlowTable table = new FlowTable(64, this.clock);
		for (long key = 1; key <= 64; key++) {
			table.place(key, null, this.a, false, IDLE, 1);
		}
		for (long key = 1; key <= 64; key++) {
			table.get(key, IDLE);
			table.get(key, IDLE);
		}
		assertThat(table.size()).isEqualTo(64);
		SplittableRandom random = new SplittableRandom(3);
		for (int i = 0; i < 10_000; i++) {
			table.place(random.nextLong() | 1L << 62, null, this.b, false, IDLE, 1);
			if (i % 300 == 0) {
				// The established flows stay in use.
				for (long key = 1; key <= 64; key++) {
					table.get(key, IDLE);
				}
			}
		}
		for (long key = 1; key <= 64; key++) {
			assertThat(table.get(key, IDLE)).as("key %d", key).isNotNull();
		}
		assertThat(table.rejected()).isGreaterThan(9_000);
		assertThat(this.b.pinnedFlows.get()).isZero();
	}

	@Test
	void fullTableShouldEvictExpiredThenLeastUsedThenOldest() {
		FlowTable table = new FlowTable(16, this.clock);
		for (long key = 1; key <= 16; key++) {
			table.place(key, null, this.a, false, IDLE, 1);
			this.clock.advanceNanos(10_000_000L);
		}
		// Key 100 with two uses replaces one of the one-use keys.
		table.place(100, null, this.b, false, IDLE, 2);
		assertThat(table.size()).isEqualTo(16);
		assertThat(table.get(100, IDLE)).isNotNull();
		assertThat(table.evicted()).isOne();
		assertThat(this.a.pinnedFlows.get()).isEqualTo(15);
	}

	@Test
	void agingShouldLetNewFlowsReplaceFlowsFrequentLongAgo() {
		FlowTable table = new FlowTable(16, this.clock);
		for (long key = 1; key <= 16; key++) {
			table.place(key, null, this.a, false, IDLE, 1);
			for (int i = 0; i < 20; i++) {
				table.get(key, IDLE);
			}
		}
		// Two-use newcomers keep coming; the old flows are not used any more. Every 160
		// new keys halve every count, so they lose their place within a few rounds.
		for (long key = 1000; key < 2000; key++) {
			table.place(key, null, this.b, false, IDLE, 2);
		}
		assertThat(this.a.pinnedFlows.get()).isLessThan(16);
		assertThat(table.size()).isEqualTo(16);
	}

	@Test
	void randomOperationsShouldMatchAMapModel() {
		FlowTable table = new FlowTable(1_000_000, this.clock);
		Map<Long, Long> model = new HashMap<>();
		SplittableRandom random = new SplittableRandom(5);
		long idle = 50_000_000L;
		for (int i = 0; i < 200_000; i++) {
			// Small keys collide in the low bits: long probe runs and backward shifts.
			long key = 1 + random.nextInt(5_000) * 65_536L;
			this.clock.advanceNanos(random.nextInt(20_000));
			long now = this.clock.nanoTime();
			Long deadline = model.get(key);
			// The table's clock has a resolution of about 1 ms.
			boolean live = deadline != null && now - deadline < -3_000_000L;
			boolean dead = deadline == null || now - deadline > 3_000_000L;
			FlowTable.Pin pin = table.get(key, idle);
			if (live) {
				assertThat(pin).as("key %d", key).isNotNull();
			}
			if (dead) {
				assertThat(pin).as("key %d", key).isNull();
			}
			if (pin != null) {
				model.put(key, now + idle);
			}
			else {
				table.place(key, null, this.a, true, idle, 1);
				model.put(key, now + idle);
			}
			if (i % 1000 == 0) {
				table.sweep();
			}
		}
		assertThat(this.a.homeFlows.get()).isEqualTo(table.size());
	}

	@Test
	void doorkeeperShouldSayWhetherAKeyWasSeenWithinTheIdleTimeout() {
		FlowTable table = new FlowTable(100, this.clock);
		assertThat(table.seenBefore(7, 1_000_000_000L)).isFalse();
		assertThat(table.seenBefore(7, 1_000_000_000L)).isTrue();
		this.clock.advanceNanos(2_000_000_000L);
		assertThat(table.seenBefore(7, 1_000_000_000L)).isFalse();
	}

	@Test
	void keysOfTwoServicesShouldDiffer() {
		assertThat(FlowTable.key(StableHash.hash("orders"), 42)).isNotEqualTo(FlowTable.key(StableHash.hash("a"), 42))
			.isNotZero();
	}

	@Test
	void boundShouldBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowTable(0, this.clock))
			.withMessageContaining("maxFlows");
	}

}
