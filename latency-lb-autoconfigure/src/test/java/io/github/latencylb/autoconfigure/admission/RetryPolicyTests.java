package io.github.latencylb.autoconfigure.admission;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Set;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.RetryConfig;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetryPolicy}.
 */
class RetryPolicyTests {

	private final RetryPolicy policy = new RetryPolicy(new RetryConfig(3, Set.of(502, 503), 0, 0, 1024),
			NanoClock.SYSTEM);

	@Test
	void isRetriableStatusShouldNeedAConfiguredStatusAndAnIdempotentMethod() {
		assertThat(this.policy.isRetriableStatus(502, HttpMethod.GET)).isTrue();
		assertThat(this.policy.isRetriableStatus(503, HttpMethod.PUT)).isTrue();
		assertThat(this.policy.isRetriableStatus(504, HttpMethod.GET)).isFalse();
		assertThat(this.policy.isRetriableStatus(502, HttpMethod.POST)).isFalse();
		assertThat(this.policy.isRetriableStatus(502, HttpMethod.PATCH)).isFalse();
	}

	@Test
	void isRetriableErrorShouldRetryUnsentRequestsForAnyMethodAndResetsOnlyWhenIdempotent() {
		AdmissionRejectedException full = new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL);
		assertThat(this.policy.isRetriableError(full, HttpMethod.POST)).isTrue();
		assertThat(this.policy.isRetriableError(new IllegalStateException(new ConnectException("refused")),
				HttpMethod.POST))
			.isTrue();
		IOException reset = new IOException("Connection reset by peer");
		assertThat(this.policy.isRetriableError(reset, HttpMethod.GET)).isTrue();
		assertThat(this.policy.isRetriableError(reset, HttpMethod.POST)).isFalse();
		assertThat(this.policy.isRetriableError(PrematureCloseException.TEST_EXCEPTION, HttpMethod.DELETE)).isTrue();
		assertThat(this.policy.isRetriableError(new IllegalStateException("bug"), HttpMethod.GET)).isFalse();
	}

	@Test
	void queueTimeoutsShouldEndTheRequestWhileFullQueuesAreRetried() {
		// Issue 9: one queue timeout covers the whole wait, in the service's queue or an
		// instance's; a request that times out gets its 503.
		assertThat(this.policy.isRetriableError(
				new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT, false), HttpMethod.GET))
			.isFalse();
		assertThat(this.policy
			.isRetriableError(new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT), HttpMethod.GET))
			.isFalse();
		assertThat(this.policy.isRetriableError(new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL),
				HttpMethod.POST))
			.isTrue();
		// A service-queue waiter whose instances all left: retried on a present one.
		assertThat(this.policy.isRetriableError(
				new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL, true), HttpMethod.POST))
			.isTrue();
	}

	@Test
	void aPooledConnectionFoundClosedAtAcquireShouldCountAsNotSent() {
		// Reactor Netty's pool, when the connection it hands out is closed twice in a row
		// (the instance just died): nothing was written.
		IOException acquire = new IOException(
				"Error while acquiring from reactor.netty.internal.shaded.reactor.pool.SimpleDequePool@64c4f67b");
		assertThat(this.policy.isRetriableError(acquire, HttpMethod.POST)).isTrue();
		assertThat(this.policy.isRetriableError(new IOException("Broken pipe"), HttpMethod.POST)).isFalse();
	}

	@Test
	void tryRetryShouldStopAtMaxAttemptsThenAtTheBudget() {
		RetryBudget budget = this.policy.budgetOf("svc");
		assertThat(this.policy.budgetOf("svc")).isSameAs(budget);
		assertThat(this.policy.budget("other")).isNull();
		assertThat(this.policy.tryRetry(budget, 3)).isEqualTo("exhausted");
		// Ratio 0 and no minimum: the budget allows nothing.
		assertThat(this.policy.tryRetry(budget, 1)).isEqualTo("budget-exhausted");
		RetryPolicy generous = new RetryPolicy(RetryConfig.ofDefaults(), NanoClock.SYSTEM);
		assertThat(generous.tryRetry(generous.budgetOf("svc"), 1)).isEqualTo("retried");
		assertThat(generous.tryRetry(generous.budgetOf("svc"), 2)).isEqualTo("exhausted");
	}

	@Test
	void retriesShouldBeOffWithOneAttempt() {
		assertThat(this.policy.retries()).isTrue();
		assertThat(new RetryPolicy(new RetryConfig(1, Set.of(), 0.2, 5, 0), NanoClock.SYSTEM).retries()).isFalse();
	}

}
