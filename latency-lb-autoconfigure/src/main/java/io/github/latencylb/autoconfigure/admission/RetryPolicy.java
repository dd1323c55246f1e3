package io.github.latencylb.autoconfigure.admission;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.netty.channel.ConnectTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.http.HttpMethod;

/**
 * Which failed attempts may be retried: at most {@code max-attempts} attempts in all,
 * within a per-service {@link RetryBudget}. An attempt that failed before its request was
 * sent (connection refused or closed before the request was written, queue full) may be
 * retried for any method; a queue timeout, in an instance's queue or the service's, is
 * not retried (one queue timeout covers the request's whole wait: it gets its 503); a
 * reset connection or a configured status only for idempotent methods. Thread-safe.
 */
public class RetryPolicy {

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	private final RetryConfig config;

	private final NanoClock clock;

	private final ConcurrentMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();

	/**
	 * Create the policy.
	 * @param config the retry settings
	 * @param clock the time source of the retry budgets
	 */
	public RetryPolicy(RetryConfig config, NanoClock clock) {
		this.config = config;
		this.clock = clock;
	}

	/**
	 * Return the retry settings.
	 * @return the settings
	 */
	public RetryConfig config() {
		return this.config;
	}

	/**
	 * Return whether retries are made at all.
	 * @return whether more than one attempt is allowed
	 */
	public boolean retries() {
		return this.config.maxAttempts() > 1;
	}

	/**
	 * Return a service's retry budget, creating it on first use.
	 * @param serviceId the service
	 * @return the budget
	 */
	public RetryBudget budgetOf(String serviceId) {
		RetryBudget budget = this.budgets.get(serviceId);
		return (budget != null) ? budget
				: this.budgets.computeIfAbsent(serviceId, (id) -> this.config.newBudget(this.clock));
	}

	/**
	 * Return a service's retry budget, if the service has seen requests.
	 * @param serviceId the service
	 * @return the budget, or {@code null}
	 */
	public @Nullable RetryBudget budget(String serviceId) {
		return this.budgets.get(serviceId);
	}

	/**
	 * Return whether a response asks for a retry: a configured status, for an idempotent
	 * method.
	 * @param status the response status
	 * @param method the request method
	 * @return whether it may be retried
	 */
	public boolean isRetriableStatus(int status, HttpMethod method) {
		return this.config.statuses().contains(status) && isIdempotent(method);
	}

	/**
	 * Return whether a failed attempt may be retried.
	 * @param ex the failure
	 * @param method the request method
	 * @return whether the request was not sent, or was reset and is idempotent
	 */
	public boolean isRetriableError(Throwable ex, HttpMethod method) {
		if (ex instanceof AdmissionRejectedException rejected
				&& (!rejected.retriable() || rejected.cause() == AdmissionRejectedException.Cause.TIMEOUT)) {
			// The request waited out its queue timeout: its 503 ends it.
			return false;
		}
		return isNotSent(ex) || (isIdempotent(method) && isReset(ex));
	}

	/**
	 * Return the outcome of asking for attempt {@code attempt + 1}, taking a token of the
	 * service's budget when allowed.
	 * @param budget the service's budget
	 * @param attempt the attempts made so far
	 * @return {@code retried}, {@code exhausted} (no attempt left) or
	 * {@code budget-exhausted}
	 */
	public String tryRetry(RetryBudget budget, int attempt) {
		if (attempt >= this.config.maxAttempts()) {
			return "exhausted";
		}
		return budget.tryAcquire() ? "retried" : "budget-exhausted";
	}

	/**
	 * Return whether a method is idempotent.
	 * @param method the method
	 * @return whether repeating it is safe
	 */
	public static boolean isIdempotent(HttpMethod method) {
		return IDEMPOTENT.contains(method);
	}

	/**
	 * Return whether an attempt failed before its request was sent.
	 * @param ex the failure
	 * @return whether it was turned away by admission or could not connect
	 */
	static boolean isNotSent(Throwable ex) {
		if (ex instanceof AdmissionRejectedException) {
			return true;
		}
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof ConnectException || t instanceof ConnectTimeoutException || isClosedBeforeSend(t)
					|| isAcquireFailure(t)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A pooled connection that the instance closed before the request was written
	 * (Reactor Netty's {@code AbortedException.beforeSend()}): the request was not sent.
	 * @param t the error of the attempt
	 * @return whether the connection was closed before the request was sent
	 */
	private static boolean isClosedBeforeSend(Throwable t) {
		return t instanceof AbortedException && t.getMessage() != null && t.getMessage().contains("BEFORE send");
	}

	/**
	 * Reactor Netty's pool handed out a connection that was already closed, twice in a
	 * row ({@code IOException("Error while acquiring from <pool>")}), typically because
	 * the instance just went away: nothing was written, so the request was not sent.
	 * @param t the error of the attempt
	 * @return whether no pooled connection could be acquired
	 */
	private static boolean isAcquireFailure(Throwable t) {
		return t instanceof java.io.IOException && t.getMessage() != null
				&& t.getMessage().startsWith("Error while acquiring from");
	}

	static boolean isReset(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof PrematureCloseException
					|| (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("reset"))) {
				return true;
			}
		}
		return false;
	}

}
