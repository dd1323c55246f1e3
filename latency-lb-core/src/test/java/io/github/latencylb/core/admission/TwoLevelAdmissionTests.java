package io.github.latencylb.core.admission;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import io.github.latencylb.core.NanoClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two-level queueing with the real per-instance queues: {@link PriorityAdmissionQueue}s
 * attached to one {@link ServiceQueue}. A freed permit goes to the better-ranked of the
 * instance's own head and the service queue's head, health checks keep their priority
 * (within their cap) in both, one deadline covers the wait, and nothing leaks.
 */
class TwoLevelAdmissionTests {

	private static final long FAR = Long.MAX_VALUE / 2;

	private final AtomicLong now = new AtomicLong(1_000);

	private final NanoClock clock = this.now::get;

	private final ServiceQueue service = new ServiceQueue(100, new CappedClass(-10, 1, 1000, 0), this.clock);

	private final CountingPermitPool poolA = new CountingPermitPool(1);

	private final CountingPermitPool poolB = new CountingPermitPool(1);

	private final PriorityAdmissionQueue a = attached(this.poolA, "a");

	private final PriorityAdmissionQueue b = attached(this.poolB, "b");

	private PriorityAdmissionQueue attached(PermitPool pool, String id) {
		PriorityAdmissionQueue queue = new PriorityAdmissionQueue(pool, 100, new CappedClass(-10, 1, 1000, 0),
				this.clock);
		queue.attach(this.service, id);
		return queue;
	}

	@Test
	void keylessRequestShouldWaitForAnyInstanceAndRunWhereAPermitFreed() {
		assertThat(this.a.tryAcquireNow(0, 0)).isTrue();
		Ticket onB = this.b.acquire(0, 0, FAR);
		ServiceWaiter waiter = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		assertThat(waiter.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		assertThat(this.service.length()).isEqualTo(1);
		onB.release();
		assertThat(waiter.granted()).isCompletedWithValue(waiter);
		assertThat(waiter.instanceId()).isEqualTo("b");
		assertThat(this.poolB.availablePermits()).isZero();
		assertThat(this.service.length()).isZero();
		waiter.release();
		this.a.permitRelease().run();
		assertThat(this.poolA.availablePermits() + this.poolB.availablePermits()).isEqualTo(2);
	}

	@Test
	void freedPermitShouldGoToTheEarlierOfOwnHeadAndServiceHeadWithTiesToTheOwn() {
		Ticket holder = this.a.acquire(0, 0, FAR);
		this.now.set(2_000);
		Ticket keyedEarly = this.a.acquire(0, 0, FAR);
		this.now.set(3_000);
		ServiceWaiter keyless = this.service.join(0, 0, FAR, List.of(this.a));
		Ticket keyedLate = this.a.acquire(0, 0, FAR);
		Ticket keyedTie = this.a.acquire(0, 0, FAR);
		holder.release();
		assertThat(keyedEarly.state()).isEqualTo(Ticket.State.GRANTED);
		assertThat(keyless.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		keyedEarly.release();
		// keyedLate arrived at the same time as the keyless waiter: the own head wins.
		assertThat(keyedLate.state()).isEqualTo(Ticket.State.GRANTED);
		this.now.set(4_000);
		ServiceWaiter later = this.service.join(0, 0, FAR, List.of(this.a));
		keyedLate.release();
		assertThat(keyedTie.state()).isEqualTo(Ticket.State.GRANTED);
		keyedTie.release();
		assertThat(keyless.state()).isEqualTo(ServiceWaiter.State.GRANTED);
		keyless.release();
		assertThat(later.state()).isEqualTo(ServiceWaiter.State.GRANTED);
		later.release();
		assertThat(this.poolA.availablePermits()).isEqualTo(1);
		assertThat(this.a.queueLength()).isZero();
	}

	@Test
	void healthChecksShouldKeepTheirPriorityInTheServiceQueueWithinTheirCap() {
		Ticket onA = this.a.acquire(0, 0, FAR);
		Ticket onB = this.b.acquire(0, 0, FAR);
		ServiceWaiter regular = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		Ticket keyed = this.a.acquire(0, 0, FAR);
		this.now.addAndGet(10);
		ServiceWaiter healthCheck = this.service.join(-10, 0, FAR, FAR, List.of(this.a, this.b));
		// The cap (one waiter) is taken: the next health check waits as a regular one.
		ServiceWaiter demoted = this.service.join(-10, 0, FAR, 123_456, List.of(this.a, this.b));
		assertThat(healthCheck.demoted()).isFalse();
		assertThat(demoted.demoted()).isTrue();
		assertThat(demoted.deadlineNanos()).isEqualTo(123_456);
		onA.release();
		assertThat(healthCheck.instanceId()).isEqualTo("a");
		assertThat(keyed.state()).isEqualTo(Ticket.State.QUEUED);
		onB.release();
		assertThat(regular.instanceId()).isEqualTo("b");
		healthCheck.release();
		assertThat(keyed.state()).isEqualTo(Ticket.State.GRANTED);
		regular.release();
		assertThat(demoted.instanceId()).isEqualTo("b");
		demoted.release();
		keyed.release();
		assertThat(this.poolA.availablePermits() + this.poolB.availablePermits()).isEqualTo(2);
	}

	@Test
	void timeoutShouldEndTheRequestAndCancellationShouldGiveEverythingBack() throws Exception {
		Ticket onA = this.a.acquire(0, 0, FAR);
		Ticket onB = this.b.acquire(0, 0, FAR);
		ServiceWaiter timingOut = this.service.join(0, 0, 5_000, List.of(this.a, this.b));
		ServiceWaiter cancelled = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter grantedThenCancelled = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		assertThat(timingOut.expire()).isTrue();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> timingOut.granted().get())
			.satisfies((ex) -> {
				AdmissionRejectedException rejected = (AdmissionRejectedException) ex.getCause();
				assertThat(rejected.cause()).isEqualTo(AdmissionRejectedException.Cause.TIMEOUT);
				assertThat(rejected.retriable()).isFalse();
			});
		assertThat(cancelled.cancel()).isTrue();
		assertThat(this.service.length()).isEqualTo(1);
		onA.release();
		assertThat(grantedThenCancelled.instanceId()).isEqualTo("a");
		assertThat(grantedThenCancelled.cancel()).isTrue();
		assertThat(grantedThenCancelled.cancel()).isFalse();
		assertThat(timingOut.expire()).isFalse();
		onB.release();
		assertThat(this.poolA.availablePermits() + this.poolB.availablePermits()).isEqualTo(2);
		assertThat(this.service.length()).isZero();
	}

	@Test
	void removedInstanceShouldGrantNothingAndWaitersLeftWithoutAnInstanceShouldBeRetried() {
		Ticket onA = this.a.acquire(0, 0, FAR);
		Ticket onB = this.b.acquire(0, 0, FAR);
		ServiceWaiter anyInstance = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		ServiceWaiter onlyA = this.service.join(0, 0, FAR, List.of(this.a));
		this.a.detach();
		assertThat(this.service.dropUnfit(Set.of("b"))).isEqualTo(1);
		assertThat(onlyA.state()).isEqualTo(ServiceWaiter.State.REJECTED);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> onlyA.granted().get())
			.satisfies((ex) -> assertThat(((AdmissionRejectedException) ex.getCause()).retriable()).isTrue());
		onA.release();
		// A's permit stays with A (back to its pool), never with the service queue.
		assertThat(anyInstance.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		assertThat(this.poolA.availablePermits()).isEqualTo(1);
		onB.release();
		assertThat(anyInstance.instanceId()).isEqualTo("b");
		anyInstance.release();
		assertThat(this.poolB.availablePermits()).isEqualTo(1);
	}

	@Test
	void permitFreedBehindTheQueuesBackShouldReachTheServiceQueue() {
		assertThat(this.poolA.tryAcquire()).isTrue();
		assertThat(this.b.tryAcquireNow(0, 0)).isTrue();
		ServiceWaiter waiter = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		this.poolA.release();
		assertThat(waiter.state()).isEqualTo(ServiceWaiter.State.QUEUED);
		// The next acquire, or an expiry sweep, hands it on.
		this.a.expireOverdue(0);
		assertThat(waiter.instanceId()).isEqualTo("a");
		// The fast path never jumps a keyless waiter fit for the instance.
		ServiceWaiter second = this.service.join(0, 0, FAR, List.of(this.a, this.b));
		waiter.release();
		assertThat(second.instanceId()).isEqualTo("a");
		assertThat(this.a.tryAcquireNow(0, 0)).isFalse();
		second.release();
		this.b.permitRelease().run();
		assertThat(this.poolA.availablePermits() + this.poolB.availablePermits()).isEqualTo(2);
	}

}
