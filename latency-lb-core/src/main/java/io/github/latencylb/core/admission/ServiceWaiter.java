package io.github.latencylb.core.admission;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * One keyless request's wait in a {@link ServiceQueue}. It is granted a permit of one fit
 * instance (at once or later), rejected ({@code FULL}), expired ({@code TIMEOUT}) or
 * cancelled, exactly once. A granted waiter owns the permit until {@link #release()} (or
 * {@link #cancel()}), which returns it exactly once. Cancelling or failing the
 * {@link #granted()} future is the same as {@code cancel()}. Thread-safe.
 */
public final class ServiceWaiter {

	final long sequence;

	/** Whether it waits in the capped class (counted against its cap); queue's lock. */
	boolean privileged;

	private final ServiceQueue queue;

	private final WaitRank rank;

	private final long deadlineNanos;

	private final List<String> fit;

	private final boolean demoted;

	private final CompletableFuture<ServiceWaiter> granted = new CompletableFuture<>();

	/** Written only under the queue's lock. */
	private volatile State state = State.QUEUED;

	/** Written only under the queue's lock, before the state becomes GRANTED. */
	private volatile @Nullable String instanceId;

	private @Nullable Runnable permitRelease;

	ServiceWaiter(ServiceQueue queue, WaitRank rank, long deadlineNanos, List<String> fit, long sequence,
			boolean demoted) {
		this.queue = queue;
		this.demoted = demoted;
		this.rank = rank;
		this.deadlineNanos = deadlineNanos;
		this.fit = List.copyOf(fit);
		this.sequence = sequence;
		this.granted.whenComplete((waiter, ex) -> {
			if (ex != null) {
				cancel();
			}
		});
	}

	/**
	 * Return the future of the grant: completes with this waiter once it owns a permit
	 * ({@link #instanceId()} says of which instance), exceptionally with
	 * {@link AdmissionRejectedException} when rejected or expired. Completed outside any
	 * queue lock.
	 * @return the future
	 */
	public CompletableFuture<ServiceWaiter> granted() {
		return this.granted;
	}

	/**
	 * Return the current state (terminal states never change).
	 * @return the state
	 */
	public State state() {
		return this.state;
	}

	/**
	 * Return the instance whose permit this waiter got.
	 * @return the instance id, or {@code null} before a grant
	 */
	public @Nullable String instanceId() {
		return this.instanceId;
	}

	/**
	 * Return where this waiter stands in service order.
	 * @return the rank
	 */
	public WaitRank rank() {
		return this.rank;
	}

	/**
	 * Return when the wait ends.
	 * @return the deadline
	 */
	public long deadlineNanos() {
		return this.deadlineNanos;
	}

	/**
	 * Return whether the request asked for the capped class over its cap and waits as a
	 * regular request instead.
	 * @return whether it was demoted
	 */
	public boolean demoted() {
		return this.demoted;
	}

	/**
	 * Expire this waiter now, e.g. from a per-waiter timer: its future fails with a
	 * {@code TIMEOUT} that ends the request. Does nothing unless still queued: a waiter
	 * granted meanwhile keeps its permit (use {@link #cancel()} to give it back).
	 * @return whether it was still queued
	 */
	public boolean expire() {
		if (!this.queue.leave(this, State.EXPIRED)) {
			return false;
		}
		signalRejected(AdmissionRejectedException.Cause.TIMEOUT);
		return true;
	}

	/**
	 * Return the permit, once; does nothing unless granted.
	 * @return whether this call returned it
	 */
	public boolean release() {
		Runnable release;
		synchronized (this.queue.lock()) {
			if (this.state != State.GRANTED) {
				return false;
			}
			this.state = State.RELEASED;
			release = this.permitRelease;
			this.permitRelease = null;
		}
		if (release != null) {
			release.run();
		}
		return true;
	}

	/**
	 * Give up: leave the queue if waiting, or return the permit if already granted.
	 * @return whether this call changed anything
	 */
	public boolean cancel() {
		if (this.queue.leave(this, State.CANCELLED)) {
			this.granted.cancel(false);
			return true;
		}
		return release();
	}

	boolean fits(String id) {
		return this.fit.contains(id);
	}

	boolean fitsAny(Set<String> present) {
		for (String id : this.fit) {
			if (present.contains(id)) {
				return true;
			}
		}
		return false;
	}

	void grant(String id, Runnable release) {
		this.instanceId = id;
		this.permitRelease = release;
		this.state = State.GRANTED;
	}

	void reject() {
		this.state = State.REJECTED;
	}

	void markExpired() {
		this.state = State.EXPIRED;
	}

	/**
	 * Left the queue before a grant; caller holds the queue's lock.
	 * @param outcome {@code CANCELLED} or {@code EXPIRED}
	 */
	void leave(State outcome) {
		this.state = outcome;
	}

	/**
	 * Complete the future of a granted waiter. The instance that granted it calls this
	 * once its own lock is released.
	 */
	public void signalGranted() {
		this.granted.complete(this);
	}

	/**
	 * Fail the grant; a timeout ends the request (it waited for every instance it could
	 * use).
	 * @param cause why
	 */
	void signalRejected(AdmissionRejectedException.Cause cause) {
		this.granted.completeExceptionally(
				new AdmissionRejectedException(cause, cause != AdmissionRejectedException.Cause.TIMEOUT));
	}

	@Override
	public String toString() {
		return "ServiceWaiter[" + this.rank + ", " + this.state + ", " + this.instanceId + "]";
	}

	/**
	 * Where a waiter is.
	 */
	public enum State {

		/** Waiting in the service queue. */
		QUEUED,

		/** Owns a permit of {@link ServiceWaiter#instanceId()}. */
		GRANTED,

		/** Returned its permit. */
		RELEASED,

		/** Left the queue before a grant. */
		CANCELLED,

		/** Waited until its deadline. */
		EXPIRED,

		/** The queue was full. */
		REJECTED

	}

}
