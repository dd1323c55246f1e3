package io.github.latencylb.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Scheduler#reconfigure}: the next decision uses the new configuration.
 */
class SchedulerReconfigureTests {

	private final FakeClock clock = new FakeClock(5_000_000_000L);

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), this.clock,
			new SplittableRandom(3));

	@Test
	void theNextDecisionShouldUseTheNewConfiguration() {
		this.scheduler.updateInstances(List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1)));
		// A new instance after the settle period warms up for 30 s by default.
		this.clock.advance(Duration.ofSeconds(11));
		this.scheduler.updateInstances(
				List.of(new WeightedInstance("a", 1), new WeightedInstance("b", 1), new WeightedInstance("c", 1)));
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.scheduler.snapshot().instance("c").state()).isEqualTo(InstanceState.WARMING);
		SchedulerConfig noSlowStart = SchedulerConfig.ofDefaults().with((b) -> b.slowStartDuration = Duration.ZERO);
		this.scheduler.reconfigure(noSlowStart);
		assertThat(this.scheduler.config()).isSameAs(noSlowStart);
		assertThat(this.scheduler.snapshot().instance("c").state()).isEqualTo(InstanceState.ACTIVE);
		assertThat(this.scheduler.chooseKeyless(Set.of())).isNotNull();
	}

}
