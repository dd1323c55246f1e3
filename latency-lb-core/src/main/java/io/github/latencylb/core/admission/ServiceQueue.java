package io.github.latencylb.core.admission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

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
 * What it needs from an instance's queue is the narrow {@link Member} interface, and the
 * instance's side of the protocol is:
 * <ol>
 * <li>when a permit frees on the instance (a release, or a permit found free), under the
 * instance's lock, call {@link #claim(Member, WaitRank, Runnable)} with the rank of its
 * own head; if a waiter is returned, the permit is now that waiter's, else it goes to the
 * own head or the pool as before;</li>
 * <li>after its lock is released, call {@link ServiceWaiter#signalGranted()} on the
 * returned waiter.</li>
 * </ol>
 * Lock order: an instance's lock, then this queue's lock; this queue never calls a member
 * while holding its lock. Every permit handed to a waiter is returned exactly once (by
 * {@link ServiceWaiter#release()}, by cancelling after the grant), whatever the races
 * between grant, release, cancel and expiry. Thread-safe.
 */
public final class ServiceQueue {

	private static final Comparator<ServiceWaiter> ORDER = Comparator.comparing(ServiceWaiter::rank)
		.thenComparingLong((waiter) -> waiter.sequence);

	private final Object lock = new Object();

	private final TreeSet<ServiceWaiter> waiting = new TreeSet<>(ORDER);

	private final int maxLength;

	private final NanoClock clock;

	private long sequence;

	/**
	 * Create a service queue.
	 * @param maxLength the most waiters; a request beyond is rejected at once
	 * @param clock the time source of arrivals and expiry
	 */
	public ServiceQueue(int maxLength, NanoClock clock) {
		if (maxLength < 0) {
			throw new IllegalArgumentException("maxLength must be >= 0, was " + maxLength);
		}
		this.maxLength = maxLength;
		this.clock = clock;
	}

	/**
	 * Admit a keyless request: take a free permit of a fit instance (in the given order
	 * of preference) if there is one, else wait in this queue until a fit instance frees
	 * one, the deadline passes, or the request is cancelled.
	 * @param priorityClass the priority class, lower is served first
	 * @param offset the order within the class, lower is served first
	 * @param deadlineNanos when the whole wait ends
	 * @param fit the instances the request may use, in order of preference
	 * @return the waiter, granted at once, queued or rejected ({@code FULL})
	 */
	public ServiceWaiter join(int priorityClass, int offset, long deadlineNanos, List<? extends Member> fit) {
		long now = this.clock.nanoTime();
		List<String> ids = new ArrayList<>(fit.size());
		for (Member member : fit) {
			ids.add(member.instanceId());
		}
		ServiceWaiter waiter;
		synchronized (this.lock) {
			waiter = new ServiceWaiter(this, new WaitRank(priorityClass, offset, now), deadlineNanos, ids,
					this.sequence++);
		}
		for (Member member : fit) {
			Runnable release = member.tryAcquire();
			if (release != null) {
				synchronized (this.lock) {
					waiter.grant(member.instanceId(), release);
				}
				waiter.signalGranted();
				return waiter;
			}
		}
		synchronized (this.lock) {
			if (this.waiting.size() >= this.maxLength) {
				waiter.reject();
				waiter.signalRejected(AdmissionRejectedException.Cause.FULL);
				return waiter;
			}
			this.waiting.add(waiter);
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
			for (Iterator<ServiceWaiter> it = this.waiting.iterator(); it.hasNext();) {
				ServiceWaiter waiter = it.next();
				if (!waiter.rank().before(ownHead)) {
					return null;
				}
				if (waiter.fits(id)) {
					it.remove();
					waiter.grant(id, release);
					return waiter;
				}
			}
			return null;
		}
	}

	/**
	 * Return the rank of the best waiter fit for an instance (for an instance that wants
	 * to know whether to keep a permit for its own head).
	 * @param instanceId the instance
	 * @return the rank, or {@code null} when no waiter is fit for it
	 */
	public @Nullable WaitRank headRankFor(String instanceId) {
		synchronized (this.lock) {
			for (ServiceWaiter waiter : this.waiting) {
				if (waiter.fits(instanceId)) {
					return waiter.rank();
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
			for (Iterator<ServiceWaiter> it = this.waiting.iterator(); it.hasNext();) {
				ServiceWaiter waiter = it.next();
				if (waiter.deadlineNanos() - nowNanos <= 0) {
					it.remove();
					waiter.expire();
					expired.add(waiter);
				}
			}
		}
		expired.forEach((waiter) -> waiter.signalRejected(AdmissionRejectedException.Cause.TIMEOUT));
		return expired.size();
	}

	/**
	 * Return the number of waiters.
	 * @return the length
	 */
	public int length() {
		synchronized (this.lock) {
			return this.waiting.size();
		}
	}

	/**
	 * Leave the queue if still waiting; called by the waiter under no lock.
	 * @param waiter the waiter
	 * @return whether it was still waiting
	 */
	boolean leave(ServiceWaiter waiter) {
		synchronized (this.lock) {
			if (waiter.state() != ServiceWaiter.State.QUEUED) {
				return false;
			}
			this.waiting.remove(waiter);
			waiter.cancelQueued();
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
