package io.github.latencylb.core.admission;

import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * Test {@link PermitPool} that counts acquires and releases and fails on an over-release
 * (a permit returned twice).
 */
final class CountingPermitPool implements PermitPool {

	private final int maxPermits;

	private int available;

	private long acquires;

	private long releases;

	private final AtomicReference<@Nullable AssertionError> overRelease = new AtomicReference<>();

	CountingPermitPool(int permits) {
		this.maxPermits = permits;
		this.available = permits;
	}

	@Override
	public synchronized boolean tryAcquire() {
		if (this.available == 0) {
			return false;
		}
		this.available--;
		this.acquires++;
		return true;
	}

	@Override
	public synchronized void release() {
		if (this.available >= this.maxPermits) {
			AssertionError error = new AssertionError("permit released twice (over-release)");
			this.overRelease.compareAndSet(null, error);
			throw error;
		}
		this.available++;
		this.releases++;
	}

	@Override
	public synchronized int availablePermits() {
		return this.available;
	}

	@Override
	public int maxPermits() {
		return this.maxPermits;
	}

	synchronized long acquires() {
		return this.acquires;
	}

	synchronized long releases() {
		return this.releases;
	}

	@Nullable AssertionError overRelease() {
		return this.overRelease.get();
	}

}
