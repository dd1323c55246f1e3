package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs of the pin store, rate-limited: a failure that repeats while the store is down, or
 * dropped changes, are logged at most every 30 seconds. Used by the replicator's single
 * thread only.
 */
final class PinStoreLog {

	private static final Log logger = LogFactory.getLog(PinReplicator.class);

	private static final long LOG_INTERVAL_NANOS = Duration.ofSeconds(30).toNanos();

	private long lastFailureLog = Long.MIN_VALUE / 2;

	private long suppressedFailureLogs;

	private long lastDropLog = Long.MIN_VALUE / 2;

	void connected(boolean back, String replicaId, long loaded, int republished) {
		if (logger.isInfoEnabled()) {
			logger.info("latency-lb pin store: Redis " + (back ? "is back" : "connected") + " (replica " + replicaId
					+ "): loaded " + loaded + " pins, re-published " + republished);
		}
	}

	void down(String error, long now) {
		logger.warn("latency-lb pin store: Redis unavailable (" + error
				+ "); routing goes on with local pins, sharing resumes when Redis is back");
		this.lastFailureLog = now;
	}

	void failure(String what, Throwable ex, long now) {
		if (now - this.lastFailureLog >= LOG_INTERVAL_NANOS) {
			logger.warn("latency-lb pin store: " + what + " (" + describe(ex) + ")" + ((this.suppressedFailureLogs > 0)
					? "; " + this.suppressedFailureLogs + " similar messages suppressed" : ""));
			this.lastFailureLog = now;
			this.suppressedFailureLogs = 0;
		}
		else {
			this.suppressedFailureLogs++;
		}
	}

	void drops(long dropped, long now) {
		if (dropped > 0 && now - this.lastDropLog >= LOG_INTERVAL_NANOS && logger.isWarnEnabled()) {
			logger.warn("latency-lb pin store: " + dropped + " pin changes dropped so far (backlog full)");
			this.lastDropLog = now;
		}
	}

	/**
	 * Describe a failure by its root cause.
	 * @param ex the failure
	 * @return the root cause's class and message
	 */
	static String describe(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		String message = cause.getMessage();
		return cause.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

}
