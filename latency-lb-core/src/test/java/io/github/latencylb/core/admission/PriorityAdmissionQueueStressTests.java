package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
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
 * queue from many threads, then checks that every permit came back exactly once and every
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
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				workers.add(executor.submit(() -> {
					start.await();
					for (int op = 0; op < OPERATIONS; op++) {
						long now = time.incrementAndGet();
						int slot = ThreadLocalRandom.current().nextInt(SLOTS);
						Ticket ticket = slots.get(slot);
						if (ticket == null) {
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
		assertThat(pool.overRelease()).isNull();
		boolean stranded = queue.queueLength() > 0 && pool.availablePermits() > 0;
		assertThat(stranded).as("a waiter is stranded while a permit is free").isFalse();

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
				// its consumer
				// may be giving up on its own future: either way it never completed
				// normally.
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
				"permits=%d maxLength=%d: %d tickets %s, %d expired by sweeps; %d grants seen; "
						+ "pool acquires=%d releases=%d (the other grants were hand-offs)%n",
				permits, maxLength, tickets.size(), states, expiredBySweep.get(), completedNormally, pool.acquires(),
				pool.releases());
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
