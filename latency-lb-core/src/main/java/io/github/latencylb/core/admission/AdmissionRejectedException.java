package io.github.latencylb.core.admission;

/**
 * A request was not admitted to an instance: its queue was full, or it waited past its
 * deadline. Carries no stack trace: it is flow control, raised often under overload, not
 * a bug.
 */
public final class AdmissionRejectedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final Cause cause;

	private final boolean retriable;

	/**
	 * Create an exception for the given cause, of a rejection that another instance may
	 * retry.
	 * @param cause why the request was rejected
	 */
	public AdmissionRejectedException(Cause cause) {
		this(cause, true);
	}

	/**
	 * Create an exception for the given cause.
	 * @param cause why the request was rejected
	 * @param retriable whether another attempt may be made; {@code false} when the
	 * request already waited for every instance it could use (a {@link ServiceQueue}
	 * timeout): it gets its 503
	 */
	public AdmissionRejectedException(Cause cause, boolean retriable) {
		super((cause == Cause.FULL) ? "Admission queue is full" : "Timed out in admission queue", null, false, false);
		this.cause = cause;
		this.retriable = retriable;
	}

	/**
	 * Return whether another attempt may be made.
	 * @return {@code false} when the request's whole queue wait is over
	 */
	public boolean retriable() {
		return this.retriable;
	}

	/**
	 * Return why the request was rejected.
	 * @return the cause
	 */
	public Cause cause() {
		return this.cause;
	}

	/**
	 * Why a request was rejected.
	 */
	public enum Cause {

		/**
		 * No permit was free and the queue had no room (or queueing is disabled).
		 */
		FULL,

		/**
		 * The request waited in the queue until its deadline.
		 */
		TIMEOUT

	}

}
