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
	void aPermitReleasedWithoutTheLockJustBeforeAWaiterQueuesShouldGoToThatWaiter() {
		// The interleaving the lock no longer prevents: a request finds the pool empty,
		// the holder gives its permit back (seeing nobody waiting, to the pool), then
		// the request queues. It must not wait while that permit lies in the pool.
		SemaphorePermitPool inner = new SemaphorePermitPool(1);
		Runnable[] onEmpty = new Runnable[1];
		PermitPool pool = new PermitPool() {

			@Override
			public boolean tryAcquire() {
				boolean taken = inner.tryAcquire();
				Runnable hook = onEmpty[0];
				if (!taken && hook != null) {
					onEmpty[0] = null;
					hook.run();
				}
				return taken;
			}

			@Override
			public void release() {
				inner.release();
			}

			@Override
			public int availablePermits() {
				return inner.availablePermits();
			}

			@Override
			public int maxPermits() {
				return inner.maxPermits();
			}

		};
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 10);
		assertThat(queue.tryAcquireNow(0, 0)).isTrue();
		onEmpty[0] = queue.permitRelease();
		Ticket waiter = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		assertThat(onEmpty[0]).as("the release ran between the failed try and the queueing").isNull();
		assertThat(waiter.state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(waiter.granted()).isCompleted();
		assertThat(queue.queueLength()).isZero();
		assertThat(inner.availablePermits()).isZero();
		waiter.release();
		assertThat(inner.availablePermits()).isOne();
	}

	@Test
	void aWaiterThatQueuesWhileAPermitGoesBackWithoutTheLockShouldGetIt() {
		// The other side: the holder saw nobody waiting, and before its permit is back
		// in the pool a request finds the pool empty and queues. The holder must look
		// again once the permit is back.
		SemaphorePermitPool inner = new SemaphorePermitPool(1);
		Runnable[] beforeRelease = new Runnable[1];
		PermitPool pool = new PermitPool() {

			@Override
			public boolean tryAcquire() {
				return inner.tryAcquire();
			}

			@Override
			public void release() {
				Runnable hook = beforeRelease[0];
				if (hook != null) {
					beforeRelease[0] = null;
					hook.run();
				}
				inner.release();
			}

			@Override
			public int availablePermits() {
				return inner.availablePermits();
			}

			@Override
			public int maxPermits() {
				return inner.maxPermits();
			}

		};
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 10);
		assertThat(queue.tryAcquireNow(0, 0)).isTrue();
		Ticket[] waiter = new Ticket[1];
		beforeRelease[0] = () -> waiter[0] = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		queue.permitRelease().run();
		assertThat(waiter[0].state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(waiter[0].granted()).isCompleted();
		assertThat(queue.queueLength()).isZero();
		assertThat(inner.availablePermits()).isZero();
		waiter[0].release();
		assertThat(inner.availablePermits()).isOne();
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
