package io.github.latencylb.autoconfigure.metrics;

import java.util.concurrent.TimeUnit;

import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link AdmissionMetricsListener}.
 */
class AdmissionMetricsListenerTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AdmissionMetricsListener listener = new AdmissionMetricsListener(
			new MicrometerLatencyLbMetrics(this.registry));

	@Test
	void admittedShouldRecordTheWait() {
		this.listener.admitted("orders", -2047, 3_000_000);
		this.listener.admitted("orders", -2047, 0);

		assertThat(
				this.registry.get("latencylb.queue.wait").tags("service", "orders", "class", "-2047").timer().count())
			.isEqualTo(2);
		assertThat(this.registry.get("latencylb.queue.wait").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3);
	}

	@Test
	void rejectedShouldCountByLowerCaseCause() {
		this.listener.rejected("orders", 0, AdmissionRejectedException.Cause.TIMEOUT);
		this.listener.rejected("orders", 0, AdmissionRejectedException.Cause.FULL);
		this.listener.rejected("orders", 0, AdmissionRejectedException.Cause.FULL);

		assertThat(this.registry.get("latencylb.queue.rejections").tags("cause", "timeout").counter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("latencylb.queue.rejections").tags("cause", "full").counter().count())
			.isEqualTo(2);
	}

}
