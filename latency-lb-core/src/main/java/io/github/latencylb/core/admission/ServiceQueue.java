package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.latencylb.core.NanoClock;
import org.jspecify.annotations.Nullable;

/**
 * The second level of queueing, as in HAProxy: one queue per service for requests without
 * a flow key that found every fit instance saturated. Such a request takes the first
 * permit that frees on any instance it is fit for. A freed permit goes to the
 * better-ranked ({@link WaitRank}: class, offset, arrival) of the instance's own queue
 * head and this queue's head; ties go to the instance's own waiter. One deadline covers
 * the whole wait.
 * <p>
 * What it needs from an instance's queue is the narrow {@link Member} interface. When a
 * permit frees on the instance, under the instance's lock, it calls
 * {@link #claim(Member, WaitRank, Runnable)} with the rank of its own head (a returned
 * waiter now owns the permit, else the own head or the pool gets it), then, its lock
 * released, {@link ServiceWaiter#signalGranted()} on the returned waiter. Lock order: an
 * instance's lock, then this queue's lock; this queue never calls a member while holding
 * its lock. Every permit handed to a waiter is returned exactly once (by
 * {@link ServiceWaiter#release()}, by cancelling after the grant), whatever the races
 * between grant, release, cancel and expiry. Thread-safe.
 */
public final class ServiceQueue {

	private final Object lock = new Object();

	private final ServiceWaitList waiting = new ServiceWaitList();

	private final int maxLength;

	private final NanoClock clock;

	private final @Nullable CappedClassBucket capped;

	private long sequence;

	/**
	 * Create a service queue without a capped class.
	 * @param maxLength the most waiters; a request beyond is rejected at once
	 * @param clock the time source of arrivals and expiry
	 */
	public ServiceQueue(int maxLength, NanoClock clock) {
		this(maxLength, null, clock);
	}

	/**
	 * Create a service queue.
	 * @param maxLength the most waiters; a request beyond is rejected at once
	 * @param capped the class that keeps its priority within a cap (health checks), as in
	 * {@link PriorityAdmissionQueue}, or {@code null}
	 * @param clock the time source of arrivals and expiry (the instances' queues must use
	 * the same)
	 */
	public ServiceQueue(int maxLength, @Nullable CappedClass capped, NanoClock clock) {
		if (maxLength < 0) {
			throw new IllegalArgumentException("maxLength must be >= 0, was " + maxLength);
		}
		this.maxLength = maxLength;
		this.clock = clock;
		this.capped = (capped != null) ? new CappedClassBucket(capped, clock.nanoTime()) : null;
	}

	/**
	 * Admit a keyless request with one deadline whether or not it is demoted.
	 * @param priorityClass the priority class, lower is served first
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when the whole wait ends
	 * @param fit the instances the request may use, in order of preference
	 * @return the waiter, granted at once, queued or rejected ({@code FULL})
	 * @see #join(int, int, long, long, List)
	 */
	public ServiceWaiter join(int priorityClass, int offset, long deadlineNanos, List<? extends Member> fit) {
		return join(priorityClass, offset, deadlineNanos, deadlineNanos, fit);
	}

	/**
	 * Admit a keyless request: take a free permit of a fit instance (in the given order
	 * of preference) if there is one, else wait in this queue until a fit instance frees
	 * one, the deadline passes, or the request is cancelled. A request of the capped
	 * class over its cap waits in the demoted class, offset 0, until
	 * {@code demotedDeadlineNanos}; a request of the capped class finding the queue full
	 * takes the place of the last waiter if that one ranks below it (that one is rejected
	 * {@code FULL}).
	 * @param priorityClass the priority class, lower is served first
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when the whole wait ends
	 * @param demotedDeadlineNanos the deadline instead if the request is demoted
	 * @param fit the instances the request may use, in order of preference
	 * @return the waiter, granted at once, queued or rejected ({@code FULL})
	 */
	public ServiceWaiter join(int priorityClass, int offset, long deadlineNanos, long demotedDeadlineNanos,
			List<? extends Member> fit) {
		long now = this.clock.nanoTime();
		List<String> ids = new ArrayList<>(fit.size());
		for (Member member : fit) {
			ids.add(member.instanceId());
		}
		for (Member member : fit) {
			Runnable release = member.tryAcquire();
			if (release != null) {
				ServiceWaiter waiter = new ServiceWaiter(this, new WaitRank(priorityClass, offset, now), deadlineNanos,
						ids, -1, false);
				synchronized (this.lock) {
					waiter.grant(member.instanceId(), release);
				}
				waiter.signalGranted();
				return waiter;
			}
		}
		ServiceWaiter waiter;
		@Nullable ServiceWaiter evicted = null;
		boolean queued = true;
		synchronized (this.lock) {
			CappedClassBucket capped = this.capped;
			boolean privileged = capped != null && priorityClass == capped.capped().priorityClass();
			if (privileged && !capped.tryTake(this.waiting.cappedWaiters(), now)) {
				waiter = new ServiceWaiter(this, new WaitRank(capped.capped().demotedClass(), 0, now),
						demotedDeadlineNanos, ids, this.sequence++, true);
				privileged = false;
			}
			else {
				waiter = new ServiceWaiter(this, new WaitRank(priorityClass, offset, now), deadlineNanos, ids,
						this.sequence++, false);
			}
			if (this.waiting.size() >= this.maxLength) {
				@Nullable ServiceWaiter last = this.waiting.last();
				if (!privileged || last == null || last.rank().priorityClass() <= priorityClass) {
					waiter.reject();
					queued = false;
				}
				else {
					// Full, but a health check outranks the last waiter: it takes its
					// slot.
					evicted = last;
					this.waiting.remove(evicted);
					evicted.reject();
				}
			}
			if (queued) {
				this.waiting.add(waiter, privileged);
			}
		}
		if (evicted != null) {
			evicted.signalRejected(AdmissionRejectedException.Cause.FULL);
		}
		if (!queued) {
			waiter.signalRejected(AdmissionRejectedException.Cause.FULL);
			return waiter;
		}
		// A permit freed between tryAcquire and add went to the pool: offer it now.
		for (Member member : fit) {
			member.offerFreePermits();
		}
		return waiter;
	}

	/**
	 * A permit freed on an instance: give it to this queue's best waiter fit for that
	 * instance if that waiter ranks strictly before the instance's own head. Call under
	 * the instance's lock, then signal the returned waiter once that lock is released.
	 * @param member the instance whose permit is free
	 * @param ownHead the rank of the head of the instance's own queue, {@code null} if it
	 * is empty
	 * @param release how the waiter will return the permit (called exactly once)
	 * @return the waiter that now owns the permit, or {@code null} if the permit stays
	 * with the instance
	 */
	public @Nullable ServiceWaiter claim(Member member, @Nullable WaitRank ownHead, Runnable release) {
		String id = member.instanceId();
		synchronized (this.lock) {
			for (ServiceWaiter waiter : this.waiting.inOrder()) {
				if (!waiter.rank().before(ownHead)) {
					return null;
				}
				if (waiter.fits(id)) {
					this.waiting.remove(waiter);
					waiter.grant(id, release);
					return waiter;
				}
			}
			return null;
		}
	}

	/**
	 * Reject every waiter whose deadline has passed ({@code TIMEOUT}).
	 * @param nowNanos the current time
	 * @return how many expired
	 */
	public int expireOverdue(long nowNanos) {
		List<ServiceWaiter> expired = new ArrayList<>();
		synchronized (this.lock) {
			for (ServiceWaiter waiter : this.waiting.inOrder()) {
				if (waiter.deadlineNanos() - nowNanos <= 0) {
					expired.add(waiter);
				}
			}
			for (ServiceWaiter waiter : expired) {
				this.waiting.remove(waiter);
				waiter.markExpired();
			}
		}
		expired.forEach((waiter) -> waiter.signalRejected(AdmissionRejectedException.Cause.TIMEOUT));
		return expired.size();
	}

	/**
	 * Reject ({@code FULL}, so that the request may be retried) every waiter none of
	 * whose fit instances is still present: no permit would ever come to it.
	 * @param present the ids of the service's instances
	 * @return how many were rejected
	 */
	public int dropUnfit(Set<String> present) {
		List<ServiceWaiter> dropped = new ArrayList<>();
		synchronized (this.lock) {
			for (ServiceWaiter waiter : this.waiting.inOrder()) {
				if (!waiter.fitsAny(present)) {
					dropped.add(waiter);
				}
			}
			for (ServiceWaiter waiter : dropped) {
				this.waiting.remove(waiter);
				waiter.reject();
			}
		}
		dropped.forEach((waiter) -> waiter.signalRejected(AdmissionRejectedException.Cause.FULL));
		return dropped.size();
	}

	/**
	 * Return the number of waiters.
	 * @return the length
	 */
	public int length() {
		return this.waiting.length();
	}

	/**
	 * Return the most waiters.
	 * @return the maximum length
	 */
	public int maxLength() {
		return this.maxLength;
	}

	/**
	 * Leave the queue if still waiting; called by the waiter under no lock.
	 * @param waiter the waiter
	 * @param outcome its state once out ({@code CANCELLED} or {@code EXPIRED})
	 * @return whether it was still waiting
	 */
	boolean leave(ServiceWaiter waiter, ServiceWaiter.State outcome) {
		synchronized (this.lock) {
			if (waiter.state() != ServiceWaiter.State.QUEUED) {
				return false;
			}
			this.waiting.remove(waiter);
			waiter.leave(outcome);
			return true;
		}
	}

	Object lock() {
		return this.lock;
	}

	/**
	 * What the service queue needs from one instance's queue.
	 */
	public interface Member {

		/**
		 * Return the instance's id.
		 * @return the id
		 */
		String instanceId();

		/**
		 * Take a free permit of the instance, if one is free and nobody of the instance's
		 * own queue waits for it. Never blocks.
		 * @return how to return the permit (to be called exactly once), or {@code null}
		 * when none was taken
		 */
		@Nullable Runnable tryAcquire();

		/**
		 * Hand the instance's free permits to waiters (its own and, through
		 * {@link ServiceQueue#claim}, the service queue's), as on a release. Called
		 * without any service-queue lock held.
		 */
		void offerFreePermits();

	}

}
