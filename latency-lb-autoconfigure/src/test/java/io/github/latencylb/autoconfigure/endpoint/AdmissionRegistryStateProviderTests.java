package io.github.latencylb.autoconfigure.endpoint;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.InstanceAdmission;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.Permits;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import io.github.latencylb.core.admission.ServiceWaiter;
import io.github.latencylb.core.admission.Ticket;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link AdmissionRegistryStateProvider}.
 */
class AdmissionRegistryStateProviderTests {

	private final AtomicLong now = new AtomicLong();

	private final AdmissionRegistry registry = new AdmissionRegistry(
			(serviceId, instanceId) -> new SemaphorePermitPool(2), (name) -> {
			}, 100);

	private final RetryBudget budget = new RetryBudget(0.2, 1, this.now::get);

	private final AdmissionRegistryStateProvider provider = new AdmissionRegistryStateProvider(this.registry,
			(serviceId) -> "orders".equals(serviceId) ? this.budget : null);

	@Test
	void instanceShouldShowQueueLengthsByClassAndBulkheadPermits() {
		PriorityAdmissionQueue queue = this.registry.queue("orders", "a");
		List<Ticket> tickets = List.of(queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE),
				queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE),
				queue.acquire(5, 0, PriorityAdmissionQueue.NO_DEADLINE),
				queue.acquire(5, 0, PriorityAdmissionQueue.NO_DEADLINE),
				queue.acquire(-100, 0, PriorityAdmissionQueue.NO_DEADLINE));

		InstanceAdmission state = this.provider.instance("orders", "a");

		assertThat(state.bulkhead()).isEqualTo(new Permits(0, 2));
		assertThat(state.queueLengths()).containsExactly(Map.entry(-100, 1), Map.entry(5, 2));
		assertThat(state.totalQueueLength()).isEqualTo(3);
		tickets.forEach(Ticket::cancel);
		tickets.forEach(Ticket::release);
	}

	@Test
	void instanceWithoutQueueYetShouldHaveNoState() {
		assertThat(this.provider.instance("orders", "b")).isNull();
	}

	@Test
	void serviceQueueLengthShouldComeFromTheServiceQueue() {
		AdmissionRegistry withServiceQueue = new AdmissionRegistry(
				(serviceId, instanceId) -> new SemaphorePermitPool(1), (name) -> {
				}, 100, null, 50);
		AdmissionRegistryStateProvider provider = new AdmissionRegistryStateProvider(withServiceQueue,
				(serviceId) -> null);
		assertThat(provider.serviceQueueLength("orders")).isEmpty();
		PriorityAdmissionQueue a = withServiceQueue.queue("orders", "a");
		assertThat(a.tryAcquireNow(0, 0)).isTrue();
		ServiceWaiter waiter = withServiceQueue.serviceQueue("orders").join(0, 0, Long.MAX_VALUE / 2, List.of(a));
		assertThat(provider.serviceQueueLength("orders")).hasValue(1);
		waiter.cancel();
		assertThat(provider.serviceQueueLength("orders")).hasValue(0);
		// Without a service queue (length 0) there is none to show.
		assertThat(this.provider.serviceQueueLength("orders")).isEmpty();
		a.permitRelease().run();
	}

	@Test
	void retryBudgetLeftShouldComeFromTheServiceBudget() {
		for (int i = 0; i < 50; i++) {
			this.budget.onRequest();
		}
		assertThat(this.provider.retryBudgetLeft("orders")).hasValue(this.budget.remaining());
		assertThat(this.budget.remaining()).isPositive();
		assertThat(this.provider.retryBudgetLeft("users")).isEmpty();
	}

}
