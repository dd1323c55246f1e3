package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.github.latencylb.core.admission.Ticket.State;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Races acquire, release, cancel, expiry and cancellation of the grant future on one
 * queue from many threads, with permits taken and given back without a ticket (the
 * lock-free fast path), then checks that every permit came back exactly once and every
 * ticket ended in a terminal state.
 */
class PriorityAdmissionQueueStressTests {

	private static final int THREADS = 8;

	private static final int OPERATIONS = 20_000;

	private static final int SLOTS = 64;

	@ParameterizedTest
	@CsvSource({ "4, 16", "1, 0", "2, 1000", "8, 4" })
	void racingOperationsShouldReturnEveryPermitExactlyOnce(int permits, int maxLength) throws Exception {
		CountingPermitPool pool = new CountingPermitPool(permits);
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, maxLength);
		AtomicLong time = new AtomicLong();
		AtomicLong grantCallbacks = new AtomicLong();
		AtomicLong expiredBySweep = new AtomicLong();
		AtomicReferenceArray<Ticket> slots = new AtomicReferenceArray<>(SLOTS);
		Queue<Ticket> tickets = new ConcurrentLinkedQueue<>();
		// Permits taken without a ticket (the fast path of most requests) and not yet
		// given back.
		Queue<Runnable> fastPermits = new ConcurrentLinkedQueue<>();
		AtomicLong fastAcquires = new AtomicLong();
		race(THREADS, () -> {
			for (int op = 0; op < OPERATIONS; op++) {
				long now = time.incrementAndGet();
				int slot = ThreadLocalRandom.current().nextInt(SLOTS);
				Ticket ticket = slots.get(slot);
				if (ThreadLocalRandom.current().nextInt(4) == 0) {
					fastPath(queue, fastPermits, fastAcquires);
				}
				else if (ticket == null) {
					acquire(queue, now, slot, slots, tickets, grantCallbacks);
				}
				else {
					expiredBySweep.addAndGet(raceOn(ticket, queue, now));
					if (ticket.state().isTerminal()) {
						slots.compareAndSet(slot, ticket, null);
					}
				}
			}
			return null;
		});
		assertThat(pool.overRelease()).isNull();
		boolean stranded = queue.queueLength() > 0 && pool.availablePermits() > 0;
		assertThat(stranded).as("a waiter is stranded while a permit is free").isFalse();
		for (Runnable release = fastPermits.poll(); release != null; release = fastPermits.poll()) {
			release.run();
		}

		// Wind down as consumers would: waiters give up, holders of a visible grant
		// release.
		tickets.stream().filter((ticket) -> ticket.state() == State.QUEUED).forEach(Ticket::cancel);
		tickets.stream().filter((ticket) -> isCompletedNormally(ticket)).forEach(Ticket::release);
		Map<State, Integer> states = new EnumMap<>(State.class);
		long completedNormally = 0;
		for (Ticket ticket : tickets) {
			states.merge(ticket.state(), 1, Integer::sum);
			assertThat(ticket.state().isTerminal()).as("%s is terminal", ticket).isTrue();
			assertThat(ticket.granted()).isDone();
			if (isCompletedNormally(ticket)) {
				completedNormally++;
				assertThat(ticket.state()).isIn(State.RELEASED, State.CANCELLED);
			}
			if (ticket.state() == State.REJECTED) {
				// Rejected at arrival, or evicted later by a better-ranked arrival while
				// its consumer may be giving up on its own future: either way it never
				// completed normally.
				assertThat(ticket.granted()).isCompletedExceptionally();
			}
		}
		assertThat(pool.overRelease()).isNull();
		assertThat(queue.queueLength()).isZero();
		assertThat(queue.queueLengthByClass()).isEmpty();
		assertThat(pool.availablePermits()).isEqualTo(pool.maxPermits());
		assertThat(pool.releases()).isEqualTo(pool.acquires());
		assertThat(grantCallbacks.get()).isEqualTo(completedNormally);
		System.out.printf(
				"permits=%d maxLength=%d: %d tickets %s, %d expired by sweeps; %d grants seen; %d permits "
						+ "taken without a ticket; pool acquires=%d releases=%d (the other grants were hand-offs)%n",
				permits, maxLength, tickets.size(), states, expiredBySweep.get(), completedNormally, fastAcquires.get(),
				pool.acquires(), pool.releases());
	}

	@ParameterizedTest
	@CsvSource({ "1, 4", "2, 8" })
	void waitersShouldBeGrantedWhilePermitsComeAndGoWithoutTheLock(int permits, int threads) throws Exception {
		// Mostly the lock-free path; a request that finds no permit queues and waits.
		// Checks that permits neither leak nor return twice, and that every waiter is
		// granted (a waiter left queued while its permit lay in the pool, once the
		// others are done or all waiting, would time out). The exact interleaving that
		// could strand a waiter is built in PriorityAdmissionQueueFastPathTests: here
		// another request's locked path usually rescues such a waiter at once.
		CountingPermitPool pool = new CountingPermitPool(permits);
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 64);
		AtomicLong queued = new AtomicLong();
		race(threads, () -> {
			for (int op = 0; op < OPERATIONS; op++) {
				if (queue.tryAcquireNow(0, 0)) {
					hold();
					queue.permitRelease().run();
					continue;
				}
				queued.incrementAndGet();
				Ticket ticket = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
				ticket.granted().get(10, TimeUnit.SECONDS);
				hold();
				ticket.release();
			}
			return null;
		});
		assertThat(pool.overRelease()).isNull();
		assertThat(queue.queueLength()).isZero();
		assertThat(pool.availablePermits()).isEqualTo(permits);
		assertThat(pool.releases()).isEqualTo(pool.acquires());
		System.out.printf("permits=%d threads=%d: %d requests queued, pool acquires=%d%n", permits, threads,
				queued.get(), pool.acquires());
	}

	/**
	 * Run the same work on several threads started together; fail if one fails or takes
	 * more than two minutes.
	 * @param threads the number of threads
	 * @param work what each thread does
	 * @throws Exception what a thread threw
	 */
	private static void race(int threads, Callable<Void> work) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				workers.add(executor.submit(() -> {
					start.await();
					return work.call();
				}));
			}
			start.countDown();
			for (Future<?> worker : workers) {
				worker.get(2, TimeUnit.MINUTES);
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	/**
	 * Hold a permit for a moment, as a request would.
	 */
	private static void hold() {
		for (int spin = ThreadLocalRandom.current().nextInt(50); spin > 0; spin--) {
			Thread.onSpinWait();
		}
	}

	/**
	 * Take a permit without a ticket if one is free and nobody waits ahead, or give back
	 * one taken so before: both may skip the queue's lock.
	 */
	private static void fastPath(PriorityAdmissionQueue queue, Queue<Runnable> fastPermits, AtomicLong fastAcquires) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		if (random.nextBoolean()) {
			Runnable release = fastPermits.poll();
			if (release != null) {
				release.run();
				return;
			}
		}
		if (queue.tryAcquireNow(random.nextInt(-2, 3), random.nextInt(3))) {
			fastAcquires.incrementAndGet();
			fastPermits.add(queue.permitRelease());
		}
	}

	private static boolean isCompletedNormally(Ticket ticket) {
		return ticket.granted().isDone() && !ticket.granted().isCompletedExceptionally();
	}

	private static void acquire(PriorityAdmissionQueue queue, long now, int slot, AtomicReferenceArray<Ticket> slots,
			Queue<Ticket> tickets, AtomicLong grantCallbacks) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long deadline = (random.nextInt(10) == 0) ? PriorityAdmissionQueue.NO_DEADLINE : now + random.nextInt(200);
		Ticket ticket = queue.acquire(random.nextInt(-2, 3), random.nextInt(3), deadline);
		tickets.add(ticket);
		ticket.granted().thenAccept((granted) -> grantCallbacks.incrementAndGet());
		if (random.nextInt(5) == 0) {
			ticket.granted().thenAccept(Ticket::release);
		}
		if (!ticket.state().isTerminal() && !slots.compareAndSet(slot, null, ticket)) {
			ticket.cancel();
		}
	}

	private static int raceOn(Ticket ticket, PriorityAdmissionQueue queue, long now) {
		int dice = ThreadLocalRandom.current().nextInt(100);
		if (dice < 35) {
			ticket.release();
		}
		else if (dice < 50) {
			ticket.cancel();
		}
		else if (dice < 60) {
			ticket.expire();
		}
		else if (dice < 70) {
			ticket.granted().cancel(false);
		}
		else if (dice < 75) {
			ticket.granted().completeExceptionally(new TimeoutException());
		}
		else {
			return queue.expireOverdue(now);
		}
		return 0;
	}

}
