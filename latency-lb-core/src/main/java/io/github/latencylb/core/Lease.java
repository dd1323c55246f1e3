package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;

/**
 * One request in flight on one instance, from the moment it is sent until it is finished.
 * The response (or failure) is recorded at most once: when the response headers arrive,
 * or after its body, with the latency still measured to the headers
 * ({@link #responded()}); the in-flight count is released exactly once by
 * {@link #release()}, whatever happened: success, error, timeout or cancellation.
 * Thread-safe.
 */
public final class Lease {

	private static final AtomicIntegerFieldUpdater<Lease> RECORDED = AtomicIntegerFieldUpdater.newUpdater(Lease.class,
			"recorded");

	private static final AtomicIntegerFieldUpdater<Lease> RELEASED = AtomicIntegerFieldUpdater.newUpdater(Lease.class,
			"released");

	private static final AtomicIntegerFieldUpdater<Lease> OUTSTANDING_SLOT = AtomicIntegerFieldUpdater
		.newUpdater(Lease.class, "outstandingSlot");

	private static final long NOT_RESPONDED = Long.MIN_VALUE;

	final long startNanos;

	/** Requests in flight on the instance when this one started, itself included. */
	final int inflightAtStart;

	private final LeaseAccounting accounting;

	private final InstanceStats instance;

	/** 1 once a response or failure is recorded (field updaters: no object per flag). */
	private volatile int recorded;

	/** 1 once released. */
	private volatile int released;

	private final @Nullable FlowLease flow;

	private volatile long respondedNanos = NOT_RESPONDED;

	/** Its slot among the instance's outstanding requests, until it responds or ends. */
	private volatile int outstandingSlot;

	Lease(LeaseAccounting accounting, InstanceStats instance, long startNanos, int inflightAtStart,
			@Nullable FlowLease flow, int outstandingSlot) {
		this.outstandingSlot = outstandingSlot;
		this.inflightAtStart = inflightAtStart;
		this.accounting = accounting;
		this.instance = instance;
		this.startNanos = startNanos;
		this.flow = flow;
	}

	/**
	 * Return the id of the instance this lease is on.
	 * @return the instance id
	 */
	public String instanceId() {
		return this.instance.id;
	}

	/**
	 * Record the response: its latency is the time since the lease started. Only the
	 * first call of {@code recordResponse} or {@link #recordFailure} counts.
	 * @param failure whether the response is a failure (a 5xx status)
	 * @return whether this call recorded it
	 */
	public boolean recordResponse(boolean failure) {
		return record(failure ? Outcome.FAILURE : Outcome.SUCCESS);
	}

	/**
	 * Record the response of an overloaded instance that asked to be spared (a 503): it
	 * counts as a slow sample, like a failure, but neither counts toward nor resets the
	 * consecutive failures that eject an instance, so that overload never ejects healthy
	 * instances one after another.
	 * @return whether this call recorded it
	 */
	public boolean recordOverload() {
		return record(Outcome.OVERLOAD);
	}

	private boolean record(Outcome outcome) {
		if (!RECORDED.compareAndSet(this, 0, 1)) {
			return false;
		}
		long responded = this.respondedNanos;
		long end = (responded != NOT_RESPONDED) ? responded : this.accounting.nanoTime();
		this.accounting.record(this.instance, this.startNanos, end, this.inflightAtStart, outcome);
		return true;
	}

	/**
	 * Mark the arrival of the response headers, when the rest of the response (its body)
	 * follows: the latency sample ends now, whenever the outcome is recorded (after the
	 * body, which may still fail), and the instance has shown a sign of life, so that a
	 * long download never makes it look stuck. The in-flight slot is kept until
	 * {@link #release()}. Only the first call counts.
	 * @return whether this call marked it
	 */
	public boolean responded() {
		if (this.respondedNanos != NOT_RESPONDED || this.recorded != 0 || this.released != 0) {
			return false;
		}
		long now = this.accounting.nanoTime();
		this.respondedNanos = (now != NOT_RESPONDED) ? now : now + 1;
		this.instance.lastResponseNanos = now;
		untrack();
		return true;
	}

	/**
	 * Return whether the response headers arrived ({@link #responded()}).
	 * @return whether responded
	 */
	public boolean hasResponded() {
		return this.respondedNanos != NOT_RESPONDED;
	}

	/**
	 * What a response says of its instance.
	 */
	enum Outcome {

		SUCCESS, FAILURE, OVERLOAD

	}

	/**
	 * Record a failure with no response (connection refused or reset, timeout). Ignored
	 * if a response was already recorded.
	 * @return whether this call recorded it
	 */
	public boolean recordFailure() {
		return recordResponse(true);
	}

	/**
	 * Release the in-flight slot. Exactly once: later calls do nothing. A lease released
	 * with nothing recorded (a cancelled request) leaves no latency sample.
	 * @return whether this call released it
	 */
	public boolean release() {
		if (!RELEASED.compareAndSet(this, 0, 1)) {
			return false;
		}
		this.accounting.release(this.instance, this);
		if (this.flow != null) {
			this.flow.release();
		}
		return true;
	}

	/**
	 * Return whether {@link #release()} has run.
	 * @return whether released
	 */
	public boolean isReleased() {
		return this.released != 0;
	}

	/**
	 * Stop counting this request as outstanding (once: later calls do nothing).
	 */
	void untrack() {
		this.instance.outstanding.free(OUTSTANDING_SLOT.getAndSet(this, OutstandingRequests.UNTRACKED));
	}

}
