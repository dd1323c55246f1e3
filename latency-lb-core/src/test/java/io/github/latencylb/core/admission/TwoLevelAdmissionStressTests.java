package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.latencylb.core.NanoClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Races keyed acquires on three real instance queues with keyless waits in their service
 * queue, releases, cancellations (waiting and granted) and expiries from many threads,
 * then checks that no waiter was lost (every wait ended) and no permit or slot leaked.
 */
class TwoLevelAdmissionStressTests {

	private static final int THREADS = 6;

	private static final int OPERATIONS = 2_000;

	@Test
	void racingTwoLevelTrafficShouldLoseNoWaiterAndLeakNoPermit() throws Exception {
		ServiceQueue service = new ServiceQueue(10_000, new CappedClass(-1, 2, 1_000, 0), NanoClock.SYSTEM);
		List<CountingPermitPool> pools = List.of(new CountingPermitPool(2), new CountingPermitPool(2),
				new CountingPermitPool(1));
		List<PriorityAdmissionQueue> fleet = new ArrayList<>();
		for (int i = 0; i < pools.size(); i++) {
			PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pools.get(i), 10_000,
					new CappedClass(-1, 2, 1_000, 0), NanoClock.SYSTEM);
			queue.attach(service, "i" + i);
			fleet.add(queue);
		}
		ConcurrentLinkedQueue<ServiceWaiter> waiters = new ConcurrentLinkedQueue<>();
		ConcurrentLinkedQueue<Ticket> tickets = new ConcurrentLinkedQueue<>();
		AtomicInteger grantedKeyless = new AtomicInteger();
		AtomicInteger grantedKeyed = new AtomicInteger();
		ExecutorService executor = Executors.newFixedThreadPool(THREADS);
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Void>> done = new ArrayList<>();
		try {
			for (int t = 0; t < THREADS; t++) {
				int seed = t;
				done.add(CompletableFuture.runAsync(() -> {
					SplittableRandom random = new SplittableRandom(seed);
					await(start);
					for (int op = 0; op < OPERATIONS; op++) {
						int priorityClass = (random.nextInt(10) == 0) ? -1 : 0;
						int fate = random.nextInt(10);
						if (random.nextBoolean()) {
							List<PriorityAdmissionQueue> fit = (random.nextInt(3) == 0) ? fleet.subList(2, 3) : fleet;
							ServiceWaiter waiter = service.join(priorityClass, 0, Long.MAX_VALUE / 2, fit);
							waiters.add(waiter);
							if (fate == 0) {
								waiter.cancel();
							}
							else if (fate == 1) {
								if (!waiter.expire()) {
									waiter.cancel();
								}
							}
							else if (granted(waiter.granted())) {
								grantedKeyless.incrementAndGet();
								Thread.onSpinWait();
								if (fate == 2) {
									waiter.cancel();
								}
								else {
									waiter.release();
								}
							}
						}
						else {
							PriorityAdmissionQueue home = fleet.get(random.nextInt(fleet.size()));
							Ticket ticket = home.acquire(priorityClass, 0, PriorityAdmissionQueue.NO_DEADLINE);
							tickets.add(ticket);
							if (fate == 0) {
								ticket.cancel();
							}
							else if (granted(ticket.granted())) {
								grantedKeyed.incrementAndGet();
								Thread.onSpinWait();
								ticket.release();
							}
						}
					}
				}, executor));
			}
			start.countDown();
			CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
		}
		finally {
			executor.shutdownNow();
		}
		for (ServiceWaiter waiter : waiters) {
			assertThat(waiter.state()).as("waiter %s", waiter)
				.isIn(ServiceWaiter.State.RELEASED, ServiceWaiter.State.CANCELLED, ServiceWaiter.State.EXPIRED);
		}
		for (Ticket ticket : tickets) {
			assertThat(ticket.state().isTerminal()).as("ticket %s", ticket).isTrue();
		}
		assertThat(service.length()).isZero();
		for (int i = 0; i < fleet.size(); i++) {
			assertThat(fleet.get(i).queueLength()).isZero();
			assertThat(pools.get(i).availablePermits()).as("permits of i" + i).isEqualTo(pools.get(i).maxPermits());
		}
		assertThat(grantedKeyless.get()).isGreaterThan(THREADS * OPERATIONS / 4);
		assertThat(grantedKeyed.get()).isGreaterThan(THREADS * OPERATIONS / 4);
	}

	/** Waits for a grant; a wait never ends only if a waiter was lost. */
	private static boolean granted(CompletableFuture<?> grant) {
		try {
			grant.get(30, TimeUnit.SECONDS);
			return true;
		}
		catch (TimeoutException ex) {
			throw new AssertionError("a waiter was never served", ex);
		}
		catch (Exception ex) {
			return false;
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
