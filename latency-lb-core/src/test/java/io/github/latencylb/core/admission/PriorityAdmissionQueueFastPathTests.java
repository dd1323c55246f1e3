package io.github.latencylb.core.admission;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ticket-free fast path of {@link PriorityAdmissionQueue}: a permit taken at once and
 * given back through the shared release.
 */
class PriorityAdmissionQueueFastPathTests {

	private final SemaphorePermitPool pool = new SemaphorePermitPool(1);

	private final PriorityAdmissionQueue queue = new PriorityAdmissionQueue(this.pool, 10);

	@Test
	void tryAcquireNowShouldTakeAFreePermitAndTheReleaseShouldReturnIt() {
		assertThat(this.queue.tryAcquireNow(0, 0)).isTrue();
		assertThat(this.pool.availablePermits()).isZero();
		assertThat(this.queue.tryAcquireNow(-5, 0)).isFalse();
		assertThat(this.queue.queueLength()).isZero();
		this.queue.permitRelease().run();
		assertThat(this.pool.availablePermits()).isOne();
		assertThat(this.queue.permitRelease()).isSameAs(this.queue.permitRelease());
	}

	@Test
	void releaseShouldHandThePermitToTheHeadOfTheQueue() {
		assertThat(this.queue.tryAcquireNow(0, 0)).isTrue();
		Ticket waiter = this.queue.acquire(3, 0, PriorityAdmissionQueue.NO_DEADLINE);
		assertThat(waiter.state()).isEqualTo(Ticket.State.QUEUED);
		this.queue.permitRelease().run();
		assertThat(waiter.state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(waiter.granted()).isCompleted();
		assertThat(this.pool.availablePermits()).isZero();
		waiter.release();
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void tryAcquireNowShouldNotOvertakeAWaiterOfEqualOrBetterPriority() {
		// A permit given back to the pool behind the queue's back (not through it).
		Ticket holder = this.queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		Ticket waiter = this.queue.acquire(2, 1, PriorityAdmissionQueue.NO_DEADLINE);
		assertThat(this.queue.tryAcquireNow(2, 1)).isFalse();
		assertThat(this.queue.tryAcquireNow(2, 5)).isFalse();
		holder.release();
		// Handed to the waiter, not to a newcomer of the same class.
		assertThat(waiter.state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(this.queue.tryAcquireNow(2, 0)).isFalse();
		waiter.release();
		assertThat(this.queue.tryAcquireNow(2, 0)).isTrue();
		this.queue.permitRelease().run();
		assertThat(this.pool.availablePermits()).isOne();
	}

	@Test
	void tryAcquireNowShouldFirstServeWaitersWithAPermitReturnedToThePool() {
		assertThat(this.queue.tryAcquireNow(0, 0)).isTrue();
		Ticket waiter = this.queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		// Returned straight to the pool: the next call hands it to the waiter first.
		this.pool.release();
		assertThat(this.queue.tryAcquireNow(0, 0)).isFalse();
		assertThat(waiter.state()).isEqualTo(Ticket.State.GRANTED);
		waiter.release();
		assertThat(this.pool.availablePermits()).isOne();
	}

}
