package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.latencylb.core.admission.Ticket;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the scheduler sees of admission through {@link AdmissionRegistry#viewOf}.
 */
class AdmissionRegistryViewTests {

	private final AdmissionRegistry registry = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
			(name) -> {
			}, 100);

	@Test
	void viewWhenInstanceHasNoQueueYetShouldShowAFreePermitAndNoWait() {
		AdmissionView view = this.registry.viewOf("svc");
		assertThat(view.hasFreePermit("a")).isTrue();
		assertThat(view.queueLength("a")).isZero();
		assertThat(view.saturated("a")).isFalse();
	}

	@Test
	void viewWhenPermitTakenAndRequestsWaitShouldBeSaturatedFromTheConfiguredQueueLength() {
		PriorityAdmissionQueue queue = this.registry.queue("svc", "a");
		Ticket holder = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(holder.state()).isEqualTo(Ticket.State.GRANTED);
		AdmissionView eager = this.registry.viewOf("svc");
		AdmissionView patient = this.registry.viewOf("svc", 2);
		assertThat(eager.saturated("a")).as("full, nobody waiting").isFalse();

		Ticket first = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(eager.saturated("a")).isTrue();
		assertThat(patient.saturated("a")).isFalse();

		Ticket second = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(patient.saturated("a")).isTrue();
		assertThat(patient.queueLength("a")).isEqualTo(2);

		second.cancel();
		first.cancel();
		holder.release();
		assertThat(eager.saturated("a")).isFalse();
		assertThat(eager.hasFreePermit("a")).isTrue();
	}

}
