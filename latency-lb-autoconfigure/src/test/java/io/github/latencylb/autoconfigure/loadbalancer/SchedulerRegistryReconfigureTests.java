package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.concurrent.atomic.AtomicReference;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SchedulerRegistry#reconfigure}: existing schedulers take their service's new
 * configuration; an invalid one leaves the running configuration in place.
 */
class SchedulerRegistryReconfigureTests {

	private final AtomicReference<SchedulerConfig> current = new AtomicReference<>(SchedulerConfig.ofDefaults());

	private final SchedulerRegistry registry = new SchedulerRegistry((id) -> {
		SchedulerConfig config = this.current.get();
		if (config == null) {
			throw new IllegalStateException("Invalid latency-lb configuration");
		}
		return config;
	}, NanoClock.SYSTEM);

	@Test
	void reconfigureShouldSwapTheConfigurationOfExistingSchedulers() {
		Scheduler orders = this.registry.scheduler("orders");
		SchedulerConfig changed = SchedulerConfig.ofDefaults().with((b) -> b.candidates = 6);
		this.current.set(changed);
		this.registry.reconfigure();
		assertThat(orders.config()).isSameAs(changed);
		assertThat(this.registry.scheduler("orders")).isSameAs(orders);
	}

	@Test
	void reconfigureWhenTheNewConfigurationFailsShouldKeepTheRunningOne() {
		Scheduler orders = this.registry.scheduler("orders");
		this.current.set(null);
		this.registry.reconfigure();
		assertThat(orders.config()).isSameAs(SchedulerConfig.ofDefaults());
	}

}
