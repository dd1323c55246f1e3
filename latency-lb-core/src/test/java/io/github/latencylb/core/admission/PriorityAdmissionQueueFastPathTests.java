package io.github.latencylb.core.admission;

import org.jspecify.annotations.Nullable;
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
		HookedPermitPool pool = new HookedPermitPool();
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 10);
		assertThat(queue.tryAcquireNow(0, 0)).isTrue();
		pool.afterFailedTry = queue.permitRelease();
		Ticket waiter = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		assertThat(pool.afterFailedTry).as("the release ran between the failed try and the queueing").isNull();
		assertThat(waiter.state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(waiter.granted()).isCompleted();
		assertThat(queue.queueLength()).isZero();
		assertThat(pool.availablePermits()).isZero();
		waiter.release();
		assertThat(pool.availablePermits()).isOne();
	}

	@Test
	void aWaiterThatQueuesWhileAPermitGoesBackWithoutTheLockShouldGetIt() {
		// The other side: the holder saw nobody waiting, and before its permit is back
		// in the pool a request finds the pool empty and queues. The holder must look
		// again once the permit is back.
		HookedPermitPool pool = new HookedPermitPool();
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 10);
		assertThat(queue.tryAcquireNow(0, 0)).isTrue();
		Ticket[] waiter = new Ticket[1];
		pool.beforeRelease = () -> waiter[0] = queue.acquire(0, 0, PriorityAdmissionQueue.NO_DEADLINE);
		queue.permitRelease().run();
		assertThat(waiter[0].state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(waiter[0].granted()).isCompleted();
		assertThat(queue.queueLength()).isZero();
		assertThat(pool.availablePermits()).isZero();
		waiter[0].release();
		assertThat(pool.availablePermits()).isOne();
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

	/**
	 * A pool of one permit that runs a hook, once, at the moment a concurrent request
	 * would have to run for an interleaving to happen.
	 */
	private static final class HookedPermitPool implements PermitPool {

		private final SemaphorePermitPool inner = new SemaphorePermitPool(1);

		/** Run once right after a try that found no permit, before it returns. */
		@Nullable Runnable afterFailedTry;

		/** Run once at a release, before the permit is back. */
		@Nullable Runnable beforeRelease;

		@Override
		public boolean tryAcquire() {
			boolean taken = this.inner.tryAcquire();
			if (!taken) {
				Runnable hook = this.afterFailedTry;
				this.afterFailedTry = null;
				run(hook);
			}
			return taken;
		}

		@Override
		public void release() {
			Runnable hook = this.beforeRelease;
			this.beforeRelease = null;
			run(hook);
			this.inner.release();
		}

		@Override
		public int availablePermits() {
			return this.inner.availablePermits();
		}

		@Override
		public int maxPermits() {
			return this.inner.maxPermits();
		}

		private static void run(@Nullable Runnable hook) {
			if (hook != null) {
				hook.run();
			}
		}

	}

}
