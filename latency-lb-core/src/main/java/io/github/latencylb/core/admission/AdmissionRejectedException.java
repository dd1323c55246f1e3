package io.github.latencylb.core.admission;

/**
 * A request was not admitted to an instance: its queue was full, or it waited past its
 * deadline. Carries no stack trace: it is flow control, raised often under overload, not
 * a bug.
 */
public final class AdmissionRejectedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final Cause cause;

	/**
	 * Create an exception for the given cause.
	 * @param cause why the request was rejected
	 */
	public AdmissionRejectedException(Cause cause) {
		super((cause == Cause.FULL) ? "Admission queue is full" : "Timed out in admission queue", null, false, false);
		this.cause = cause;
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
