package io.github.latencylb.autoconfigure.endpoint;

import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Function;

import io.github.latencylb.autoconfigure.admission.AdmissionRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.admission.PermitPool;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.ServiceQueue;
import org.jspecify.annotations.Nullable;

/**
 * {@link AdmissionStateProvider} over latency-lb's own admission: the queue and bulkhead
 * of each instance and the queue of each service from the {@link AdmissionRegistry}, and
 * each service's {@link RetryBudget}. An instance shows no admission state until its
 * first request creates its queue; a service shows no retry budget until its first
 * request.
 */
final class AdmissionRegistryStateProvider implements AdmissionStateProvider {

	private final AdmissionRegistry registry;

	private final Function<String, @Nullable RetryBudget> budgets;

	AdmissionRegistryStateProvider(AdmissionRegistry registry, Function<String, @Nullable RetryBudget> budgets) {
		this.registry = registry;
		this.budgets = budgets;
	}

	@Override
	public @Nullable InstanceAdmission instance(String serviceId, String instanceId) {
		PriorityAdmissionQueue queue = this.registry.find(serviceId, instanceId);
		if (queue == null) {
			return null;
		}
		PermitPool pool = queue.pool();
		return new InstanceAdmission(queue.queueLengthByClass(),
				new Permits(pool.availablePermits(), pool.maxPermits()));
	}

	@Override
	public OptionalInt serviceQueueLength(String serviceId) {
		ServiceQueue queue = this.registry.findServiceQueue(serviceId);
		return (queue != null) ? OptionalInt.of(queue.length()) : OptionalInt.empty();
	}

	@Override
	public OptionalDouble retryBudgetLeft(String serviceId) {
		RetryBudget budget = this.budgets.apply(serviceId);
		return (budget != null) ? OptionalDouble.of(budget.remaining()) : OptionalDouble.empty();
	}

}
