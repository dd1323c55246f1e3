package io.github.latencylb.autoconfigure.admission;

import io.github.latencylb.core.admission.PermitPool;
import io.github.resilience4j.bulkhead.Bulkhead;

/**
 * A {@link PermitPool} over a Resilience4j semaphore bulkhead, used only through its
 * non-blocking {@code tryAcquirePermission}: the bulkhead's own wait would block an
 * event-loop thread, so waiting happens in our priority queue instead.
 */
final class BulkheadPermitPool implements PermitPool {

	private final Bulkhead bulkhead;

	BulkheadPermitPool(Bulkhead bulkhead) {
		this.bulkhead = bulkhead;
	}

	@Override
	public boolean tryAcquire() {
		return this.bulkhead.tryAcquirePermission();
	}

	@Override
	public void release() {
		this.bulkhead.onComplete();
	}

	@Override
	public int availablePermits() {
		return this.bulkhead.getMetrics().getAvailableConcurrentCalls();
	}

	@Override
	public int maxPermits() {
		return this.bulkhead.getMetrics().getMaxAllowedConcurrentCalls();
	}

	Bulkhead bulkhead() {
		return this.bulkhead;
	}

}
