package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * A minimal per-instance queue following the {@link ServiceQueue} protocol, as the
 * phase-2 {@code PriorityAdmissionQueue} will: permits, its own queue of keyed waiters in
 * {@link WaitRank} order, and on every freed permit the arbitration between its own head
 * and the service queue's head.
 */
final class ServiceQueueTestInstance implements ServiceQueue.Member {

	private final String id;

	private final ServiceQueue service;

	private final int permits;

	private final Object lock = new Object();

	private final PriorityQueue<Own> own = new PriorityQueue<>(Comparator.comparing(Own::rank));

	private int free;

	ServiceQueueTestInstance(String id, int permits, ServiceQueue service) {
		this.id = id;
		this.permits = permits;
		this.free = permits;
		this.service = service;
	}

	@Override
	public String instanceId() {
		return this.id;
	}

	@Override
	public @Nullable Runnable tryAcquire() {
		synchronized (this.lock) {
			if (this.free > 0 && this.own.isEmpty()) {
				this.free--;
				return releaser();
			}
			return null;
		}
	}

	@Override
	public void offerFreePermits() {
		List<Runnable> signals = new ArrayList<>();
		synchronized (this.lock) {
			give(signals);
		}
		signals.forEach(Runnable::run);
	}

	/**
	 * A keyed request waits here, its future completes with the permit's release.
	 */
	CompletableFuture<Runnable> acquireKeyed(WaitRank rank) {
		CompletableFuture<Runnable> future = new CompletableFuture<>();
		synchronized (this.lock) {
			this.own.add(new Own(rank, future));
		}
		offerFreePermits();
		return future;
	}

	int free() {
		synchronized (this.lock) {
			return this.free;
		}
	}

	int maxPermits() {
		return this.permits;
	}

	private Runnable releaser() {
		AtomicBoolean once = new AtomicBoolean();
		return () -> {
			if (once.compareAndSet(false, true)) {
				List<Runnable> signals = new ArrayList<>();
				synchronized (this.lock) {
					this.free++;
					give(signals);
				}
				signals.forEach(Runnable::run);
			}
		};
	}

	/** Hand free permits to the better of the own head and the service head. */
	private void give(List<Runnable> signals) {
		while (this.free > 0) {
			Own head = this.own.peek();
			Runnable release = releaser();
			ServiceWaiter waiter = this.service.claim(this, (head != null) ? head.rank() : null, release);
			if (waiter != null) {
				this.free--;
				signals.add(waiter::signalGranted);
			}
			else if (head != null) {
				this.own.poll();
				this.free--;
				signals.add(() -> head.future().complete(release));
			}
			else {
				return;
			}
		}
	}

	private record Own(WaitRank rank, CompletableFuture<Runnable> future) {
	}

}
