package io.github.latencylb.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of random one-request flow keys against two services sharing one flow table:
 * the table stays within its bound for the whole gateway, and established flows (moved
 * ones included) keep their instance.
 */
class FlowFloodTests {

	private static final int MAX_FLOWS = 50_000;

	private static final int ACTIVE = 10_000;

	private static final int FLOOD = 1_000_000;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final FakeClock clock = new FakeClock();

	private final FlowTable table = new FlowTable(MAX_FLOWS, this.clock);

	private final Fleet orders = new Fleet(this.config, Fleet.instances(5), 1, this.clock, "orders", this.table);

	private final Fleet payments = new Fleet(this.config, Fleet.instances(5), 2, this.clock, "payments", this.table);

	@Test
	void floodOfOneRequestKeysShouldNeitherOutgrowTheTableNorPushOutEstablishedFlows() {
		// 10,000 established flows (two requests each) on one service.
		Map<Long, String> active = new HashMap<>();
		for (int i = 0; i < ACTIVE; i++) {
			long key = this.orders.newKey();
			this.orders.flow(key);
			active.put(key, request(this.orders, key));
		}
		// One instance of each service fails and is ejected: its flows move (they are
		// pinned elsewhere now), and during the flood every new key homed on it is
		// placed on a fallback and recorded at once, which is what fills the table.
		String failed = Fleet.id(3);
		eject(this.orders, failed);
		eject(this.payments, failed);
		int moved = 0;
		for (Map.Entry<Long, String> flow : active.entrySet()) {
			String now = request(this.orders, flow.getKey());
			if (!now.equals(flow.getValue())) {
				moved++;
				assertThat(flow.getValue()).isEqualTo(failed);
				flow.setValue(now);
			}
		}
		assertThat(moved).isGreaterThan(ACTIVE / 10);
		assertThat(this.orders.scheduler.counters().moves(MoveCause.UNAVAILABLE)).isEqualTo(moved);

		// The flood: one request per random key, split over both services; the active
		// flows keep sending one request every 10 flood keys.
		List<Long> activeKeys = new ArrayList<>(active.keySet());
		SplittableRandom random = new SplittableRandom(7);
		int next = 0;
		for (int i = 0; i < FLOOD; i++) {
			Fleet target = ((i & 1) == 0) ? this.orders : this.payments;
			target.scheduler.chooseForFlow(random.nextLong(), java.util.Set.of());
			this.clock.advanceNanos(1_000);
			if (i % 10 == 0) {
				long key = activeKeys.get(next++ % ACTIVE);
				request(this.orders, key);
			}
		}
		assertThat(this.orders.stateOf(failed).state()).isEqualTo(InstanceState.EJECTED);

		int kept = 0;
		for (Map.Entry<Long, String> flow : active.entrySet()) {
			if (request(this.orders, flow.getKey()).equals(flow.getValue())) {
				kept++;
			}
		}
		assertThat(kept).isGreaterThanOrEqualTo(ACTIVE * 999 / 1000);
		// Bounded for both services together, and the flood did press on the bound:
		// about 200,000 of its keys were homed on the ejected instances.
		assertThat(this.table.size()).isLessThanOrEqualTo(MAX_FLOWS).isGreaterThan(MAX_FLOWS * 9 / 10);
		assertThat(this.table.evicted() + this.table.rejected()).isGreaterThan(100_000);
		// The keys placed at their (fit) home were never recorded: every flow in the
		// table is one of the active flows or one placed on a fallback.
		long atHome = this.payments.scheduler.snapshot()
			.instances()
			.stream()
			.mapToLong(SchedulerSnapshot.Instance::homeFlows)
			.sum();
		assertThat(atHome).isZero();
	}

	/**
	 * One request of a flow, answered at once.
	 */
	private String request(Fleet fleet, long key) {
		Decision decision = fleet.flow(key);
		Lease lease = fleet.scheduler.start(decision);
		lease.recordResponse(false);
		lease.release();
		return decision.instanceId();
	}

	private void eject(Fleet fleet, String id) {
		for (int i = 0; i < this.config.consecutiveFailures(); i++) {
			Lease lease = fleet.hold(id);
			lease.recordFailure();
			lease.release();
		}
		assertThat(fleet.stateOf(id).state()).isEqualTo(InstanceState.EJECTED);
		assertThat(this.config.baseEjectionTime()).isGreaterThan(Duration.ofSeconds(2));
	}

}
