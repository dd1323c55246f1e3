package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link MicrometerLatencyLbMetrics}.
 */
class MicrometerLatencyLbMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MicrometerLatencyLbMetrics metrics = new MicrometerLatencyLbMetrics(this.registry);

	@Test
	void metersShouldAppearOnFirstUse() {
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void recordQueueWaitShouldTimeByServiceAndClass() {
		this.metrics.recordQueueWait("orders", -2047, Duration.ofMillis(5));
		this.metrics.recordQueueWait("orders", -2047, Duration.ofMillis(15));
		this.metrics.recordQueueWait("orders", 0, Duration.ofMillis(100));

		Timer health = this.registry.get("latencylb.queue.wait").tags("service", "orders", "class", "-2047").timer();
		assertThat(health.count()).isEqualTo(2);
		assertThat(health.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(20);
		assertThat(this.registry.get("latencylb.queue.wait").tags("class", "0").timer().count()).isEqualTo(1);
	}

	@Test
	void recordRejectionShouldCountByServiceClassAndCause() {
		this.metrics.recordRejection("orders", 0, "timeout");
		this.metrics.recordRejection("orders", 0, "timeout");
		this.metrics.recordRejection("orders", 0, "full");

		assertThat(this.registry.get("latencylb.queue.rejections")
			.tags("service", "orders", "class", "0", "cause", "timeout")
			.counter()
			.count()).isEqualTo(2);
		assertThat(this.registry.get("latencylb.queue.rejections").tags("cause", "full").counter().count())
			.isEqualTo(1);
	}

	@Test
	void recordRetryShouldCountByServiceAndOutcome() {
		this.metrics.recordRetry("orders", "retried");
		this.metrics.recordRetry("orders", "budget-exhausted");
		this.metrics.recordRetry("orders", "retried");

		assertThat(this.registry.get("latencylb.retries")
			.tags("service", "orders", "outcome", "retried")
			.counter()
			.count()).isEqualTo(2);
		assertThat(this.registry.get("latencylb.retries").tags("outcome", "budget-exhausted").counter().count())
			.isEqualTo(1);
	}

	@Test
	void noneShouldRecordNothing() {
		LatencyLbMetrics.NONE.recordQueueWait("orders", 0, Duration.ofSeconds(1));
		LatencyLbMetrics.NONE.recordRejection("orders", 0, "full");
		LatencyLbMetrics.NONE.recordRetry("orders", "retried");
		assertThat(this.registry.getMeters()).isEmpty();
	}

}
