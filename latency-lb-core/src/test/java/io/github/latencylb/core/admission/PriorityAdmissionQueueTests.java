package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.core.admission.AdmissionRejectedException.Cause;
import io.github.latencylb.core.admission.Ticket.State;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link PriorityAdmissionQueue} and {@link Ticket}.
 */
class PriorityAdmissionQueueTests {

	private static final long NO_DEADLINE = PriorityAdmissionQueue.NO_DEADLINE;

	private final AtomicLong time = new AtomicLong(1_000);

	private final CountingPermitPool pool = new CountingPermitPool(1);

	private final PriorityAdmissionQueue queue = new PriorityAdmissionQueue(this.pool, 10, this.time::get);

	@Test
	void acquireWhenPermitFreeShouldGrantAtOnce() {
		Ticket ticket = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(ticket.state()).isEqualTo(State.GRANTED);
		assertThat(ticket.granted()).isCompletedWithValue(ticket);
		assertThat(ticket.waitedNanos(this.time.get() + 500)).isZero();
		assertThat(this.pool.availablePermits()).isZero();
		assertThat(this.queue.queueLength()).isZero();
	}

	@Test
	void acquireWhenPoolFullShouldQueueByClassThenOffsetThenArrival() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket a = this.queue.acquire(1, 0, NO_DEADLINE);
		Ticket b = this.queue.acquire(0, 5, NO_DEADLINE);
		Ticket c = this.queue.acquire(0, 1, NO_DEADLINE);
		Ticket d = this.queue.acquire(0, 1, NO_DEADLINE);
		Ticket healthCheck = this.queue.acquire(-2047, 0, NO_DEADLINE);
		Ticket f = this.queue.acquire(1, 0, NO_DEADLINE);
		assertThat(List.of(a, b, c, d, healthCheck, f)).allSatisfy((ticket) -> {
			assertThat(ticket.state()).isEqualTo(State.QUEUED);
			assertThat(ticket.granted()).isNotDone();
		});
		assertThat(this.queue.queueLengthByClass()).containsExactly(entry(-2047, 1), entry(0, 3), entry(1, 2));
		List<Ticket> waiters = List.of(a, b, c, d, healthCheck, f);
		List<Ticket> served = new ArrayList<>();
		Ticket current = holder;
		for (int i = 0; i < waiters.size(); i++) {
			current.release();
			current = onlyNewlyGranted(waiters, served);
			served.add(current);
		}
		assertThat(served).containsExactly(healthCheck, c, d, b, a, f);
		current.release();
		assertThat(this.pool.acquires()).isOne();
		assertThat(this.pool.releases()).isOne();
	}

	@Test
	void acquireWhenQueueFullShouldRejectWithFullHoldingNoPermitNorSlot() {
		PriorityAdmissionQueue small = new PriorityAdmissionQueue(this.pool, 2);
		small.acquire(0, 0, NO_DEADLINE);
		small.acquire(0, 0, NO_DEADLINE);
		small.acquire(0, 0, NO_DEADLINE);
		Ticket rejected = small.acquire(0, 0, NO_DEADLINE);
		assertThat(rejected.state()).isEqualTo(State.REJECTED);
		assertRejected(rejected, Cause.FULL);
		assertThat(small.queueLength()).isEqualTo(2);
		rejected.release();
		rejected.cancel();
		assertThat(rejected.expire()).isFalse();
		assertThat(rejected.state()).isEqualTo(State.REJECTED);
		assertThat(this.pool.releases()).isZero();
	}

	@Test
	void acquireWhenQueueFullShouldLetTheCappedClassTakeTheLastWaitersSlot() {
		PriorityAdmissionQueue small = new PriorityAdmissionQueue(this.pool, 2, new CappedClass(-2047, 2, 5, 0),
				this.time::get);
		Ticket holder = small.acquire(0, 0, NO_DEADLINE);
		Ticket first = small.acquire(0, 0, NO_DEADLINE);
		Ticket last = small.acquire(0, 5, NO_DEADLINE);
		Ticket healthCheck = small.acquire(-2047, 0, NO_DEADLINE);
		assertThat(healthCheck.state()).isEqualTo(State.QUEUED);
		assertThat(healthCheck.demoted()).isFalse();
		assertRejected(last, Cause.FULL);
		assertThat(small.queueLength()).isEqualTo(2);
		assertThat(first.state()).isEqualTo(State.QUEUED);
		holder.release();
		assertThat(healthCheck.state()).isEqualTo(State.GRANTED);
		assertThat(first.state()).isEqualTo(State.QUEUED);
		healthCheck.release();
		assertThat(first.state()).isEqualTo(State.GRANTED);
		first.release();
		last.release();
		last.cancel();
		assertThat(this.pool.acquires()).isEqualTo(this.pool.releases());
		assertThat(small.queueLength()).isZero();
	}

	@Test
	void acquireWhenQueueFullShouldNotLetAnyOtherBetterRankedClassEvict() {
		PriorityAdmissionQueue small = new PriorityAdmissionQueue(this.pool, 2, new CappedClass(-2047, 2, 5, 0),
				this.time::get);
		Ticket holder = small.acquire(0, 0, NO_DEADLINE);
		Ticket first = small.acquire(0, 0, NO_DEADLINE);
		Ticket last = small.acquire(0, 5, NO_DEADLINE);
		Ticket ruleClass = small.acquire(-100, 0, NO_DEADLINE);
		assertRejected(ruleClass, Cause.FULL);
		assertThat(List.of(first, last)).allSatisfy((ticket) -> assertThat(ticket.state()).isEqualTo(State.QUEUED));
		PriorityAdmissionQueue uncapped = new PriorityAdmissionQueue(new CountingPermitPool(1), 1);
		uncapped.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = uncapped.acquire(0, 0, NO_DEADLINE);
		assertRejected(uncapped.acquire(-2047, 0, NO_DEADLINE), Cause.FULL);
		assertThat(waiter.state()).isEqualTo(State.QUEUED);
		holder.release();
		assertThat(first.state()).isEqualTo(State.GRANTED);
	}

	@Test
	void acquireShouldDemoteTheCappedClassBeyondItsWaiterCap() {
		PriorityAdmissionQueue capped = new PriorityAdmissionQueue(this.pool, 10, new CappedClass(-2047, 2, 100, 0),
				this.time::get);
		Ticket holder = capped.acquire(0, 0, NO_DEADLINE);
		Ticket regular = capped.acquire(0, 0, 5_000);
		Ticket h1 = capped.acquire(-2047, 3, 20_000, 5_000);
		Ticket h2 = capped.acquire(-2047, 0, 20_000, 5_000);
		Ticket h3 = capped.acquire(-2047, 0, 20_000, 5_000);
		assertThat(h1.demoted()).isFalse();
		assertThat(h2.demoted()).isFalse();
		assertThat(h3.demoted()).isTrue();
		assertThat(h3.priorityClass()).isZero();
		assertThat(h3.offset()).isZero();
		assertThat(h3.deadlineNanos()).isEqualTo(5_000);
		assertThat(h1.deadlineNanos()).isEqualTo(20_000);
		assertThat(capped.queueLengthByClass()).containsExactly(entry(-2047, 2), entry(0, 2));
		// The demoted one waits behind the regular request that came first.
		List<Ticket> waiters = List.of(regular, h1, h2, h3);
		List<Ticket> served = new ArrayList<>();
		Ticket current = holder;
		for (int i = 0; i < waiters.size(); i++) {
			current.release();
			current = onlyNewlyGranted(waiters, served);
			served.add(current);
		}
		assertThat(served).containsExactly(h2, h1, regular, h3);
		// Its deadline is the regular one.
		Ticket again = capped.acquire(-2047, 0, 20_000, 5_000);
		Ticket h4 = capped.acquire(-2047, 0, 20_000, 5_000);
		Ticket h5 = capped.acquire(-2047, 0, 20_000, 5_000);
		assertThat(List.of(again, h4)).noneMatch(Ticket::demoted);
		assertThat(h5.demoted()).isTrue();
		assertThat(capped.expireOverdue(5_000)).isOne();
		assertThat(h5.state()).isEqualTo(State.EXPIRED);
		assertThat(List.of(again, h4)).allSatisfy((ticket) -> assertThat(ticket.state()).isEqualTo(State.QUEUED));
	}

	@Test
	void acquireShouldDemoteTheCappedClassBeyondItsRate() {
		PriorityAdmissionQueue capped = new PriorityAdmissionQueue(this.pool, 100, new CappedClass(-2047, 100, 2, 0),
				this.time::get);
		Ticket holder = capped.acquire(0, 0, NO_DEADLINE);
		// A burst of up to one second's worth (2), then 2 per second.
		List<Boolean> demoted = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			demoted.add(capped.acquire(-2047, 0, NO_DEADLINE).demoted());
		}
		assertThat(demoted).containsExactly(false, false, true, true);
		this.time.addAndGet(499_000_000L);
		assertThat(capped.acquire(-2047, 0, NO_DEADLINE).demoted()).isTrue();
		this.time.addAndGet(1_000_000L);
		assertThat(capped.acquire(-2047, 0, NO_DEADLINE).demoted()).isFalse();
		assertThat(capped.acquire(-2047, 0, NO_DEADLINE).demoted()).isTrue();
		// Tokens never exceed the burst, however long the pause.
		this.time.addAndGet(60_000_000_000L);
		demoted.clear();
		for (int i = 0; i < 3; i++) {
			demoted.add(capped.acquire(-2047, 0, NO_DEADLINE).demoted());
		}
		assertThat(demoted).containsExactly(false, false, true);
		assertThat(capped.queueLengthByClass()).containsExactly(entry(-2047, 5), entry(0, 5));
		holder.release();
	}

	@Test
	void acquireOfTheCappedClassWithAFreePermitShouldUseNoToken() {
		CountingPermitPool two = new CountingPermitPool(2);
		PriorityAdmissionQueue capped = new PriorityAdmissionQueue(two, 10, new CappedClass(-2047, 1, 1, 0),
				this.time::get);
		for (int i = 0; i < 5; i++) {
			Ticket ticket = capped.acquire(-2047, 0, NO_DEADLINE);
			assertThat(ticket.state()).isEqualTo(State.GRANTED);
			assertThat(ticket.demoted()).isFalse();
			ticket.release();
		}
		Ticket a = capped.acquire(0, 0, NO_DEADLINE);
		Ticket b = capped.acquire(0, 0, NO_DEADLINE);
		Ticket privileged = capped.acquire(-2047, 0, NO_DEADLINE);
		Ticket overCap = capped.acquire(-2047, 0, NO_DEADLINE);
		assertThat(privileged.demoted()).isFalse();
		assertThat(privileged.priorityClass()).isEqualTo(-2047);
		assertThat(overCap.demoted()).isTrue();
		List.of(a, b, privileged, overCap).forEach(Ticket::cancel);
		assertThat(two.availablePermits()).isEqualTo(2);
	}

	@Test
	void cappedClassShouldRejectInvalidBounds() {
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> new CappedClass(-2047, -1, 5, 0))
			.withMessageContaining("maxWaiters");
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new CappedClass(-2047, 2, Double.POSITIVE_INFINITY, 0))
			.withMessageContaining("maxPerSecond");
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new CappedClass(-2047, 2, Double.NaN, 0))
			.withMessageContaining("maxPerSecond");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> new CappedClass(0, 2, 5, 0))
			.withMessageContaining("demotedClass");
	}

	@Test
	void acquireWhenMaxLengthZeroShouldGrantOrRejectWithoutQueueing() {
		PriorityAdmissionQueue noQueue = new PriorityAdmissionQueue(this.pool, 0);
		Ticket granted = noQueue.acquire(0, 0, NO_DEADLINE);
		Ticket rejected = noQueue.acquire(-5, 0, NO_DEADLINE);
		assertThat(granted.state()).isEqualTo(State.GRANTED);
		assertRejected(rejected, Cause.FULL);
		granted.release();
		assertThat(noQueue.acquire(0, 0, NO_DEADLINE).state()).isEqualTo(State.GRANTED);
	}

	@Test
	void expireOverdueShouldFailWaitersAtTheirDeadlineAndFreeTheirSlots() {
		PriorityAdmissionQueue small = new PriorityAdmissionQueue(this.pool, 3);
		Ticket holder = small.acquire(0, 0, NO_DEADLINE);
		Ticket early = small.acquire(0, 0, 100);
		Ticket late = small.acquire(0, 0, 200);
		Ticket patient = small.acquire(0, 0, NO_DEADLINE);
		assertThat(small.expireOverdue(99)).isZero();
		assertThat(small.expireOverdue(100)).isOne();
		assertThat(early.state()).isEqualTo(State.EXPIRED);
		assertRejected(early, Cause.TIMEOUT);
		assertThat(small.acquire(0, 0, NO_DEADLINE).state()).isEqualTo(State.QUEUED);
		assertThat(small.expireOverdue(Long.MAX_VALUE - 1)).isOne();
		assertRejected(late, Cause.TIMEOUT);
		assertThat(small.queueLength()).isEqualTo(2);
		holder.release();
		assertThat(patient.state()).isEqualTo(State.GRANTED);
		assertThat(this.pool.releases()).isZero();
	}

	@Test
	void expireShouldTimeOutQueuedTicketOnlyAndOnlyOnce() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(holder.expire()).isFalse();
		assertThat(holder.state()).isEqualTo(State.GRANTED);
		assertThat(waiter.expire()).isTrue();
		assertThat(waiter.expire()).isFalse();
		assertThat(waiter.cancel()).isFalse();
		assertThat(waiter.state()).isEqualTo(State.EXPIRED);
		assertRejected(waiter, Cause.TIMEOUT);
		assertThat(this.queue.queueLength()).isZero();
		holder.release();
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void releaseShouldHandPermitToHeadWithoutReturningItToPool() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(holder.release()).isTrue();
		assertThat(waiter.state()).isEqualTo(State.GRANTED);
		assertThat(waiter.granted()).isCompletedWithValue(waiter);
		assertThat(this.pool.acquires()).isOne();
		assertThat(this.pool.releases()).isZero();
		assertThat(waiter.release()).isTrue();
		assertThat(this.pool.releases()).isOne();
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void releaseShouldReturnPermitExactlyOnce() {
		Ticket ticket = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(ticket.release()).isTrue();
		assertThat(ticket.release()).isFalse();
		assertThat(ticket.cancel()).isFalse();
		assertThat(ticket.state()).isEqualTo(State.RELEASED);
		assertThat(ticket.granted()).isCompletedWithValue(ticket);
		assertThat(this.pool.releases()).isOne();
		assertThat(this.pool.overRelease()).isNull();
	}

	@Test
	void cancelWhenQueuedShouldLeaveQueueAndCancelFuture() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(waiter.cancel()).isTrue();
		assertThat(waiter.cancel()).isFalse();
		assertThat(waiter.release()).isFalse();
		assertThat(waiter.state()).isEqualTo(State.CANCELLED);
		assertThat(waiter.granted()).isCancelled();
		assertThat(this.queue.queueLength()).isZero();
		holder.release();
		assertThat(this.pool.availablePermits()).isOne();
		assertThat(this.pool.releases()).isOne();
	}

	@Test
	void cancelWhenGrantedShouldHandPermitToNextWaiter() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		assertThat(holder.cancel()).isTrue();
		assertThat(holder.release()).isFalse();
		assertThat(holder.state()).isEqualTo(State.CANCELLED);
		assertThat(waiter.state()).isEqualTo(State.GRANTED);
		assertThat(this.pool.releases()).isZero();
		waiter.cancel();
		assertThat(this.pool.availablePermits()).isOne();
		assertThat(this.pool.releases()).isOne();
	}

	@Test
	void cancellingOrTimingOutTheFutureShouldGiveUpTheTicket() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket cancelled = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket timedOut = this.queue.acquire(0, 0, NO_DEADLINE);
		cancelled.granted().cancel(true);
		timedOut.granted().completeExceptionally(new TimeoutException("as orTimeout does"));
		assertThat(cancelled.state()).isEqualTo(State.CANCELLED);
		assertThat(timedOut.state()).isEqualTo(State.EXPIRED);
		assertThat(this.queue.queueLength()).isZero();
		holder.granted().cancel(false);
		assertThat(holder.state()).isEqualTo(State.GRANTED);
		holder.release();
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void acquireShouldNotJumpWaitersWhenPermitFreedBehindTheQueue() {
		CountingPermitPool shared = new CountingPermitPool(3);
		PriorityAdmissionQueue sharedQueue = new PriorityAdmissionQueue(shared, 10);
		assertThat(shared.tryAcquire()).isTrue();
		assertThat(shared.tryAcquire()).isTrue();
		Ticket holder = sharedQueue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = sharedQueue.acquire(0, 0, NO_DEADLINE);
		shared.release();
		Ticket equal = sharedQueue.acquire(0, 0, NO_DEADLINE);
		assertThat(waiter.state()).isEqualTo(State.GRANTED);
		assertThat(equal.state()).isEqualTo(State.QUEUED);
		Ticket better = sharedQueue.acquire(-1, 0, NO_DEADLINE);
		assertThat(better.state()).isEqualTo(State.QUEUED);
		shared.release();
		assertThat(sharedQueue.expireOverdue(0)).isZero();
		assertThat(better.state()).isEqualTo(State.GRANTED);
		assertThat(equal.state()).isEqualTo(State.QUEUED);
		List.of(holder, waiter, better, equal).forEach(Ticket::release);
		assertThat(shared.availablePermits()).isEqualTo(3);
	}

	@Test
	void grantCallbacksShouldRunOutsideTheLock() throws Exception {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		AtomicBoolean otherThreadGotLock = new AtomicBoolean();
		waiter.granted().thenAccept((ticket) -> {
			Thread other = new Thread(() -> otherThreadGotLock.set(this.queue.queueLength() == 0));
			other.start();
			try {
				other.join(TimeUnit.SECONDS.toMillis(30));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			ticket.release();
		});
		holder.release();
		assertThat(otherThreadGotLock).isTrue();
		assertThat(waiter.state()).isEqualTo(State.RELEASED);
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void waitedNanosShouldMeasureTimeInQueue() {
		Ticket holder = this.queue.acquire(0, 0, NO_DEADLINE);
		Ticket waiter = this.queue.acquire(0, 0, NO_DEADLINE);
		this.time.addAndGet(250);
		assertThat(waiter.waitedNanos(this.time.get())).isEqualTo(250);
		holder.release();
		this.time.addAndGet(1_000);
		assertThat(waiter.waitedNanos(this.time.get())).isEqualTo(250);
		assertThat(holder.waitedNanos(this.time.get())).isZero();
	}

	@Test
	void acquireShouldNotAcceptNegativeMaxLength() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new PriorityAdmissionQueue(this.pool, -1));
	}

	private static Ticket onlyNewlyGranted(List<Ticket> waiters, List<Ticket> served) {
		List<Ticket> granted = new ArrayList<>();
		for (Ticket ticket : waiters) {
			if (ticket.state() == State.GRANTED && !served.contains(ticket)) {
				granted.add(ticket);
			}
		}
		assertThat(granted).hasSize(1);
		return granted.get(0);
	}

	private static void assertRejected(Ticket ticket, Cause cause) {
		assertThat(ticket.granted()).isCompletedExceptionally();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(ticket.granted()::join)
			.havingCause()
			.isInstanceOfSatisfying(AdmissionRejectedException.class, (ex) -> assertThat(ex.cause()).isEqualTo(cause));
	}

}
