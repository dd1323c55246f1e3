package io.github.latencylb.core;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification: {@code nanoTime} values only mean something by difference, so every
 * timed behaviour holds while the clock wraps past {@link Long#MAX_VALUE}.
 */
class SchedulerClockWrapTests {

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final Fleet fleet = new Fleet(this.config, Fleet.instances(4), 43,
			new FakeClock(Long.MAX_VALUE - Duration.ofSeconds(5).toNanos()));

	@Test
	void slowStartShouldRampAcrossTheWrap() {
		this.fleet.settle();
		this.fleet.update(Fleet.instances(5));
		this.fleet.clock.advance(this.config.slowStartDuration().dividedBy(2));
		assertThat(this.fleet.clock.nanoTime()).isNegative();
		assertThat(this.fleet.stateOf(Fleet.id(5)).effectiveWeight()).isBetween(0.49, 0.51);
		this.fleet.clock.advance(this.config.slowStartDuration());
		assertThat(this.fleet.stateOf(Fleet.id(5)).state()).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void settlePeriodShouldEndAcrossTheWrap() {
		// The first list came 5 s before the wrap; 10 s of settling end 5 s after it.
		this.fleet.clock.advance(Duration.ofSeconds(7));
		assertThat(this.fleet.clock.nanoTime()).isNegative();
		this.fleet.update(Fleet.instances(5));
		assertThat(this.fleet.stateOf(Fleet.id(5)).state()).isEqualTo(InstanceState.ACTIVE);
		this.fleet.clock.advance(Duration.ofSeconds(3));
		this.fleet.update(Fleet.instances(6));
		assertThat(this.fleet.stateOf(Fleet.id(6)).state()).isEqualTo(InstanceState.WARMING);
	}

	@Test
	void ejectionShouldEndAcrossTheWrap() {
		for (int i = 0; i < 5; i++) {
			this.fleet.hold(Fleet.id(2)).recordFailure();
		}
		assertThat(this.fleet.stateOf(Fleet.id(2)).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(this.config.baseEjectionTime().minusMillis(1));
		assertThat(this.fleet.clock.nanoTime()).isNegative();
		assertThat(this.fleet.stateOf(Fleet.id(2)).state()).isEqualTo(InstanceState.EJECTED);
		this.fleet.clock.advance(Fleet.ms(1));
		assertThat(this.fleet.stateOf(Fleet.id(2)).state()).isEqualTo(InstanceState.ACTIVE);
	}

	@Test
	void fallbackAndIdleTimeoutShouldWorkAcrossTheWrap() {
		String slow = Fleet.id(3);
		long key = this.fleet.keyHomedOn(slow);
		this.fleet.flow(key);
		this.fleet.clock.advance(Duration.ofSeconds(6));
		this.fleet.respondAll(Fleet.ms(10), 40, Map.of(slow, Fleet.ms(60)));
		this.fleet.passRefresh();
		assertThat(this.fleet.clock.nanoTime()).isNegative();
		Decision moved = this.fleet.flow(key);
		assertThat(moved.moveCause()).isEqualTo(MoveCause.SLOW);
		this.fleet.clock.advance(Duration.ofMinutes(10));
		assertThat(this.fleet.flow(key).instanceId()).isEqualTo(moved.instanceId());
		this.fleet.clock.advance(this.config.idleTimeout().plusSeconds(1));
		assertThat(this.fleet.flow(key).reason()).isEqualTo(DecisionReason.NEW_FLOW);
	}

}
