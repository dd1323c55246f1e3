package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.core.NanoClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two-level queueing: a keyless request takes the first permit freed on any fit instance,
 * ranked against each instance's own queue, and nothing is lost or leaked.
 */
class ServiceQueueTests {

	private static final long FAR = Long.MAX_VALUE / 2;

	private final AtomicLong now = new AtomicLong(1_000);

	private final NanoClock clock = this.now::get;

	private final ServiceQueue service = new ServiceQueue(100, this.clock);

	private final ServiceQueueTestInstance a = new ServiceQueueTestInstance("a", 1, this.service);

	private final ServiceQueueTestInstance b = new ServiceQueueTestInstance("b", 1, this.service);

	@Test
	void keylessRequestShouldTakeAFreePermitAtOnce() {
		ServiceWaiter waiter = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		assertThat(waiter.state()).isEqualTo(ServiceWaiter.State.GRANTED);
		assertThat(waiter.granted()).isCompletedWithValue(waiter);
		assertThat(waiter.instanceId()).isEqualTo("a");
		assertThat(this.a.free()).isZero();
		assertThat(waiter.release()).isTrue();
		assertThat(waiter.release()).isFalse();
		assertThat(this.a.free()).isEqualTo(1);
	}

	@Test
	void keylessRequestShouldTakeTheFirstPermitFreedOnAnyFitInstance() {
		ServiceWaiter onA = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter onB = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter waiting = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		assertThat(onB.instanceId()).isEqualTo("b");
		assertThat(waiting.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		assertThat(this.service.length()).isEqualTo(1);
		onB.release();
		assertThat(waiting.granted()).isCompletedWithValue(waiting);
		assertThat(waiting.instanceId()).isEqualTo("b");
		assertThat(this.b.free()).isZero();
		onA.release();
		waiting.release();
		assertThat(this.a.free() + this.b.free()).isEqualTo(2);
	}

	@Test
	void permitOfAnUnfitInstanceShouldNotGoToTheWaiter() {
		ServiceWaiter onA = this.service.join(0, 0, FAR, List.of(this.a));
		ServiceWaiter onB = this.service.join(0, 0, FAR, List.of(this.b));
		ServiceWaiter onlyA = this.service.join(0, 0, FAR, List.of(this.a));
		onB.release();
		assertThat(onlyA.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		assertThat(this.b.free()).isEqualTo(1);
		onA.release();
		assertThat(onlyA.instanceId()).isEqualTo("a");
		onlyA.release();
	}

	@Test
	void freedPermitShouldGoToTheEarlierOfOwnHeadAndServiceHead() {
		ServiceWaiter holder = this.service.join(0, 0, FAR, List.of(this.a));
		this.now.set(2_000);
		ServiceWaiter keyless = this.service.join(0, 0, FAR, List.of(this.a));
		CompletableFuture<Runnable> keyed = this.a.acquireKeyed(new WaitRank(0, 0, 3_000));
		holder.release();
		// The keyless request arrived first.
		assertThat(keyless.instanceId()).isEqualTo("a");
		assertThat(keyed).isNotDone();
		this.now.set(4_000);
		ServiceWaiter later = this.service.join(0, 0, FAR, List.of(this.a));
		keyless.release();
		assertThat(keyed).isDone();
		assertThat(later.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		keyed.join().run();
		assertThat(later.instanceId()).isEqualTo("a");
		later.release();
		assertThat(this.a.free()).isEqualTo(1);
	}

	@Test
	void healthChecksShouldKeepTheirPriorityInBothQueues() {
		ServiceWaiter holder = this.service.join(0, 0, FAR, List.of(this.a));
		CompletableFuture<Runnable> keyed = this.a.acquireKeyed(new WaitRank(0, 0, 1_500));
		this.now.set(2_000);
		ServiceWaiter healthCheck = this.service.join(-2047, 0, FAR, List.of(this.a));
		holder.release();
		assertThat(healthCheck.instanceId()).isEqualTo("a");
		assertThat(keyed).isNotDone();
		// A health check in the instance's own queue beats an earlier keyless waiter.
		ServiceWaiter keyless = this.service.join(0, 0, FAR, List.of(this.a));
		CompletableFuture<Runnable> ownHealthCheck = this.a.acquireKeyed(new WaitRank(-2047, 0, 3_000));
		healthCheck.release();
		assertThat(ownHealthCheck).isDone();
		ownHealthCheck.join().run();
		// Then the keyed request (1,500) before the keyless one (2,000).
		assertThat(keyed).isDone();
		keyed.join().run();
		assertThat(keyless.instanceId()).isEqualTo("a");
		keyless.release();
		assertThat(this.a.free()).isEqualTo(1);
	}

	@Test
	void cancelledWaiterShouldLeaveAndCancelAfterGrantShouldReturnThePermit() {
		ServiceWaiter holder = this.service.join(0, 0, FAR, List.of(this.a));
		ServiceWaiter first = this.service.join(0, 0, FAR, List.of(this.a));
		ServiceWaiter second = this.service.join(0, 0, FAR, List.of(this.a));
		assertThat(first.cancel()).isTrue();
		assertThat(first.state()).isEqualTo(ServiceWaiter.State.CANCELLED);
		assertThat(first.granted()).isCancelled();
		// Cancelling the future is the same.
		second.granted().cancel(false);
		assertThat(second.state()).isEqualTo(ServiceWaiter.State.CANCELLED);
		assertThat(this.service.length()).isZero();
		assertThat(holder.cancel()).isTrue();
		assertThat(holder.state()).isEqualTo(ServiceWaiter.State.RELEASED);
		assertThat(this.a.free()).isEqualTo(1);
		assertThat(holder.release()).isFalse();
		assertThat(this.a.free()).isEqualTo(1);
	}

	@Test
	void oneDeadlineShouldCoverTheWholeWait() {
		ServiceWaiter holder = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter holder2 = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter waiter = this.service.join(0, 0, 5_000, List.of(this.a, this.b));
		assertThat(this.service.expireOverdue(4_999)).isZero();
		assertThat(this.service.expireOverdue(5_000)).isEqualTo(1);
		assertThat(waiter.state()).isEqualTo(ServiceWaiter.State.EXPIRED);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> waiter.granted().get())
			.withCauseInstanceOf(AdmissionRejectedException.class);
		holder.release();
		holder2.release();
		assertThat(waiter.state()).isEqualTo(ServiceWaiter.State.EXPIRED);
		assertThat(this.a.free() + this.b.free()).isEqualTo(2);
	}

	@Test
	void fullServiceQueueShouldRejectAtOnce() {
		ServiceQueue tiny = new ServiceQueue(1, this.clock);
		ServiceQueueTestInstance only = new ServiceQueueTestInstance("x", 1, tiny);
		ServiceWaiter holder = tiny.join(0, 0, FAR, List.of(only));
		ServiceWaiter waiting = tiny.join(0, 0, FAR, List.of(only));
		ServiceWaiter rejected = tiny.join(0, 0, FAR, List.of(only));
		assertThat(rejected.state()).isEqualTo(ServiceWaiter.State.REJECTED);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> rejected.granted().get())
			.satisfies((ex) -> assertThat(((AdmissionRejectedException) ex.getCause()).cause())
				.isEqualTo(AdmissionRejectedException.Cause.FULL));
		holder.release();
		waiting.release();
		assertThat(only.free()).isEqualTo(1);
	}

	@Test
	void concurrentTrafficShouldLoseNoWaiterAndLeakNoPermit() throws Exception {
		ServiceQueue queue = new ServiceQueue(10_000, NanoClock.SYSTEM);
		List<ServiceQueueTestInstance> fleet = List.of(new ServiceQueueTestInstance("i1", 2, queue),
				new ServiceQueueTestInstance("i2", 2, queue), new ServiceQueueTestInstance("i3", 1, queue));
		int threads = 6;
		int perThread = 3_000;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		AtomicInteger granted = new AtomicInteger();
		AtomicInteger cancelled = new AtomicInteger();
		List<CompletableFuture<?>> done = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int seed = t;
			done.add(CompletableFuture.runAsync(() -> {
				SplittableRandom random = new SplittableRandom(seed);
				try {
					start.await();
					for (int i = 0; i < perThread; i++) {
						List<ServiceQueueTestInstance> fit = (random.nextInt(3) == 0) ? fleet.subList(0, 1) : fleet;
						if (random.nextInt(4) == 0) {
							ServiceQueueTestInstance home = fleet.get(random.nextInt(fleet.size()));
							home.acquireKeyed(new WaitRank(random.nextInt(2), 0, System.nanoTime()))
								.get(10, TimeUnit.SECONDS)
								.run();
							continue;
						}
						ServiceWaiter waiter = queue.join(random.nextInt(2) - 1, 0, FAR, fit);
						if (random.nextInt(5) == 0) {
							// Cancel, racing a grant: either leaves or returns the
							// permit.
							waiter.cancel();
							cancelled.incrementAndGet();
						}
						else {
							waiter.granted().get(10, TimeUnit.SECONDS);
							assertThat(fit.stream().map(ServiceQueueTestInstance::instanceId))
								.contains(waiter.instanceId());
							granted.incrementAndGet();
							waiter.release();
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				catch (CancellationException | ExecutionException | java.util.concurrent.TimeoutException ex) {
					throw new IllegalStateException(ex);
				}
			}, pool));
		}
		start.countDown();
		CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
		pool.shutdown();
		assertThat(granted.get()).isPositive();
		assertThat(cancelled.get()).isPositive();
		assertThat(queue.length()).isZero();
		for (ServiceQueueTestInstance instance : fleet) {
			assertThat(instance.free()).as(instance.instanceId()).isEqualTo(instance.maxPermits());
		}
	}

}
