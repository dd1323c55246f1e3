package io.github.latencylb.autoconfigure.admission;

import java.util.Set;

import io.github.latencylb.core.AdmissionHandle;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.latencylb.core.admission.Ticket;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-instance {@link AdmissionHandle} a scheduler resolves once from
 * {@link AdmissionRegistry#viewOf}: it follows the instance's queue from creation to
 * removal without any lookup by id.
 */
class AdmissionRegistryHandleTests {

	private final AdmissionRegistry registry = new AdmissionRegistry((service, instance) -> new SemaphorePermitPool(1),
			(name) -> {
			}, 100);

	@Test
	void aHandleResolvedBeforeTheQueueExistsShouldSeeItOnceCreated() {
		AdmissionHandle handle = this.registry.viewOf("svc").handle("a");
		assertThat(handle.hasFreePermit()).isTrue();
		assertThat(handle.saturated()).isFalse();
		PriorityAdmissionQueue queue = this.registry.queue("svc", "a");
		Ticket holder = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(handle.hasFreePermit()).isFalse();
		assertThat(handle.saturated()).as("full, nobody waiting").isFalse();
		Ticket waiter = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(handle.saturated()).isTrue();
		assertThat(handle.queueLength()).isEqualTo(1);
		waiter.cancel();
		assertThat(handle.queueLength()).isZero();
		holder.release();
		assertThat(handle.hasFreePermit()).isTrue();
		assertThat(handle.saturated()).isFalse();
	}

	@Test
	void aHandleShouldUseTheOverflowMinLengthOfItsView() {
		PriorityAdmissionQueue queue = this.registry.queue("svc", "a");
		AdmissionHandle patient = this.registry.viewOf("svc", 2).handle("a");
		Ticket holder = queue.acquire(0, 0, Long.MAX_VALUE);
		Ticket first = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(patient.saturated()).isFalse();
		Ticket second = queue.acquire(0, 0, Long.MAX_VALUE);
		assertThat(patient.saturated()).isTrue();
		second.cancel();
		first.cancel();
		holder.release();
	}

	@Test
	void aHandleOfADepartedInstanceShouldSeeNoQueueAndARejoinedOneTheNewQueue() {
		AdmissionHandle before = this.registry.viewOf("svc").handle("a");
		Ticket holder = this.registry.queue("svc", "a").acquire(0, 0, Long.MAX_VALUE);
		assertThat(before.hasFreePermit()).isFalse();
		this.registry.retain("svc", Set.of("b"));
		assertThat(before.hasFreePermit()).isTrue();
		this.registry.retain("svc", Set.of("a", "b"));
		AdmissionHandle after = this.registry.viewOf("svc").handle("a");
		Ticket again = this.registry.queue("svc", "a").acquire(0, 0, Long.MAX_VALUE);
		assertThat(after.hasFreePermit()).isFalse();
		again.release();
		holder.release();
	}

}
