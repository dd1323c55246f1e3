package io.github.latencylb.autoconfigure.admission;

import java.net.URI;

import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.gateway.ResponseEndGlobalFilter;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * The second of latency-lb's two global filters, for {@code lb} routes only: it gives the
 * request's {@link LatencyLbRequestContext} the flow key ({@link FlowKeyExtractor}), the
 * priority class ({@link PriorityClassifier}) and the admission
 * ({@link InstanceAdmission}) that the load balancer applies to each attempt (see
 * {@link RequestContextPreparer}), then runs the attempts: bounded retries on another
 * instance ({@link RetryPolicy}); the failed instance is excluded from the next choice,
 * so the flow goes to the next candidate of its preference list (and is recorded there).
 * <p>
 * A retry sends the next instance exactly the bytes the client sent, or is not made: a
 * request body of up to {@code max-body-bytes} is read and kept before the first attempt
 * and sent whole by each attempt; a larger body is streamed once, so its request is
 * retried only if the failed attempt had not started sending it (see
 * {@link ReplayableBody}). A request turned away by admission and not retried gets a 503
 * ({@link RejectionResponse}). Each attempt ends (through the context, which gives back
 * its permit and lease) when it fails, is retried or is cancelled; a response that
 * arrived ends with its body ({@link ResponseEndGlobalFilter}).
 */
public class RetryGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: just before the load-balancer filter (10150), after Gateway's
	 * {@code RouteToRequestUrlFilter} (10000) and the route's own filters.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 10;

	private static final Log logger = LogFactory.getLog(RetryGlobalFilter.class);

	private final RetryPolicy policy;

	private final RequestContextPreparer contexts;

	private final RetryListener listener;

	/**
	 * Create the filter.
	 * @param policy which attempts are retried
	 * @param flowKeys reads the flow key
	 * @param classifier classifies requests, or {@code null} to leave every request in
	 * class 0 (unless a route sets its class)
	 * @param admission admits each attempt, or {@code null} to admit at once
	 * @param listener told of each retry decision (metrics)
	 */
	public RetryGlobalFilter(RetryPolicy policy, FlowKeyExtractor flowKeys, @Nullable PriorityClassifier classifier,
			LatencyLbRequestContext.@Nullable AttemptAdmission admission, RetryListener listener) {
		this.policy = policy;
		this.contexts = new RequestContextPreparer(flowKeys, classifier, admission);
		this.listener = listener;
	}

	/**
	 * Return a service's retry budget, if the service has seen requests.
	 * @param serviceId the service
	 * @return the budget, or {@code null}
	 */
	public @Nullable RetryBudget budget(String serviceId) {
		return this.policy.budget(serviceId);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (url == null) {
			return chain.filter(exchange);
		}
		boolean lb = "lb".equals(url.getScheme());
		if (!lb && !"lb".equals(exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR))) {
			return chain.filter(exchange);
		}
		LatencyLbRequestContext context = this.contexts.prepare(exchange);
		if (!lb || url.getHost() == null) {
			// lb:ws:// (WebSocket): admitted and accounted, never retried.
			return attempt(exchange, chain, context);
		}
		String serviceId = url.getHost();
		if (!this.policy.retries()) {
			// No retries: only answer admission rejections and a missing instance (503s).
			return attempt(exchange, chain, context).onErrorResume((ex) -> answer(exchange, serviceId, ex));
		}
		RetryBudget budget = this.policy.budgetOf(serviceId);
		budget.onRequest();
		ReplayableBody none = ReplayableBody.none(exchange.getRequest());
		// Without a body (most requests) the attempts start at once: fewer operators
		// for every signal of the exchange to pass through. Otherwise keep the body (up
		// to max-body-bytes) before the first attempt, so that a retry sends exactly
		// what the client sent; a larger body is sent once.
		// No instance (NotFoundException): answered in afterError.
		if (none != null) {
			return retrying(new Attempts(exchange, chain, url, serviceId, budget, none, context), 1);
		}
		return ReplayableBody.read(exchange.getRequest(), this.policy.config().maxBodyBytes()).flatMap((body) -> {
			ServerWebExchange replaying = !body.present() ? exchange
					: exchange.mutate()
						.request(body.decorate(exchange.getRequest(), exchange.getResponse().bufferFactory()))
						.build();
			return retrying(new Attempts(replaying, chain, url, serviceId, budget, body, context), 1)
				.doFinally((signal) -> body.discard());
		});
	}

	/**
	 * One attempt, from the load balancer's choice to the response headers. It ends here
	 * when it fails or is cancelled, or when no filter scoped it to the response body; a
	 * server-sent-event stream moves from its request permit to a stream slot.
	 * @param exchange the current exchange
	 * @param chain the rest of the filter chain
	 * @param context the request context
	 * @return completes when the attempt ends
	 */
	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, LatencyLbRequestContext context) {
		// Ended as the signal arrives, before it goes on: a retry that an error (or a
		// retriable status) leads to starts the next attempt at once, on this thread, and
		// an end after the signal (doFinally) would end that next attempt instead.
		return rest(exchange, chain, context).doOnSuccess((ignored) -> responded(exchange, context))
			.doOnError((ex) -> end(context, SignalType.ON_ERROR, exchange));
	}

	/**
	 * Run the rest of the chain for one attempt; a cancellation ends the attempt.
	 * @param exchange the current exchange
	 * @param chain the rest of the filter chain
	 * @param context the request context
	 * @return the rest of the chain
	 */
	private static Mono<Void> rest(ServerWebExchange exchange, GatewayFilterChain chain,
			LatencyLbRequestContext context) {
		Mono<Void> rest;
		try {
			rest = chain.filter(exchange);
		}
		catch (RuntimeException ex) {
			// A filter that throws instead of returning an error must not leave the
			// attempt's permit or lease taken; its error is the attempt's outcome.
			context.endAttempt(LatencyLbResponse.End.FAILURE, null);
			return Mono.error(ex);
		}
		return rest.doOnCancel(() -> end(context, SignalType.CANCEL, exchange));
	}

	/**
	 * The attempt's response headers arrived: its latency sample ends; a
	 * server-sent-event stream moves from its request permit to a stream slot; the
	 * attempt ends here unless a filter scoped it to the response body.
	 * @param exchange the current exchange
	 * @param context the request context
	 */
	private static void responded(ServerWebExchange exchange, LatencyLbRequestContext context) {
		LatencyLbResponse attempt = context.getAttempt();
		if (attempt != null) {
			attempt.responded();
			LatencyLbRequestContext.AttemptAdmission admission = context.getAdmission();
			if (admission != null && context.isScoped() && GatewayExchanges.isEventStream(exchange)) {
				admission.onEventStream(attempt);
			}
		}
		if (!context.isScoped()) {
			end(context, SignalType.ON_COMPLETE, exchange);
		}
	}

	private static void end(LatencyLbRequestContext context, SignalType signal, ServerWebExchange exchange) {
		context.endAttempt(ResponseEndGlobalFilter.toEnd(signal), exchange.getResponse().getStatusCode());
	}

	/**
	 * One attempt of several: its outcome (response or error) is decided here, outside
	 * the scope of the error handling of any later attempt, so that attempts are counted
	 * once each.
	 * @param attempts the state shared by the attempts of the request
	 * @param attempt the number of this attempt, from 1
	 * @return completes when this or a later attempt succeeds or gives up
	 */
	private Mono<Void> retrying(Attempts attempts, int attempt) {
		// Three operators per attempt: each signal of the exchange passes through them.
		// The attempt ends as its outcome arrives, before a retry is decided (as in
		// attempt(...)).
		return rest(attempts.exchange, attempts.chain, attempts.context).materialize().flatMap((outcome) -> {
			Throwable ex = outcome.getThrowable();
			if (ex != null) {
				end(attempts.context, SignalType.ON_ERROR, attempts.exchange);
				return afterError(attempts, attempt, ex);
			}
			responded(attempts.exchange, attempts.context);
			return afterResponse(attempts, attempt);
		});
	}

	private Mono<Void> afterResponse(Attempts attempts, int attempt) {
		ServerWebExchange exchange = attempts.exchange;
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		if (status == null || !this.policy.isRetriableStatus(status.value(), exchange.getRequest().getMethod())
				|| exchange.getResponse().isCommitted() || !attempts.body.replayable()) {
			return Mono.empty();
		}
		return retryOrElse(attempts, attempt, LatencyLbResponse.End.COMPLETE, Mono.empty());
	}

	private Mono<Void> afterError(Attempts attempts, int attempt, Throwable ex) {
		ServerWebExchange exchange = attempts.exchange;
		// A body kept as a copy can be sent again; a streamed one only if no attempt took
		// it.
		boolean bodySendable = attempts.body.replayable() || !attempts.body.consumed();
		boolean retriable = bodySendable && this.policy.isRetriableError(ex, exchange.getRequest().getMethod());
		// Deferred: writing the 503 must happen only if no retry follows.
		Mono<Void> otherwise = Mono.defer(() -> answer(exchange, attempts.serviceId, ex));
		if (!retriable || exchange.getResponse().isCommitted()) {
			return otherwise;
		}
		return retryOrElse(attempts, attempt, LatencyLbResponse.End.FAILURE, otherwise);
	}

	/**
	 * The answer to an attempt's error that no retry follows: a 503 when admission turned
	 * it away or the service has no instance, else the error itself.
	 * @param exchange the current exchange
	 * @param serviceId the service
	 * @param ex the error
	 * @return the answer
	 */
	private static Mono<Void> answer(ServerWebExchange exchange, String serviceId, Throwable ex) {
		if (ex instanceof AdmissionRejectedException rejected) {
			return RejectionResponse.rejected(exchange.getResponse(), rejected);
		}
		if (ex instanceof NotFoundException notFound) {
			return RejectionResponse.noInstance(exchange.getResponse(), serviceId, notFound);
		}
		return Mono.error(ex);
	}

	private Mono<Void> retryOrElse(Attempts attempts, int attempt, LatencyLbResponse.End end, Mono<Void> otherwise) {
		String outcome = this.policy.tryRetry(attempts.budget, attempt);
		this.listener.retry(attempts.serviceId, outcome);
		if (!"retried".equals(outcome)) {
			return otherwise;
		}
		ServerWebExchange exchange = attempts.exchange;
		LatencyLbResponse failed = attempts.context.getAttempt();
		if (failed != null) {
			attempts.context.exclude(failed.getDecision().instanceId());
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Retrying " + exchange.getRequest().getMethod() + " to service '" + attempts.serviceId
					+ "' on another instance than "
					+ ((failed != null) ? failed.getDecision().instanceId() : "the failed one") + " (attempt "
					+ (attempt + 1) + ")");
		}
		// The failed attempt gives back its permit and in-flight slot before the next one
		// is chosen (its response, if any, is dropped).
		attempts.context.endAttempt(end, exchange.getResponse().getStatusCode());
		GatewayExchanges.resetForRetry(exchange, attempts.url);
		return retrying(attempts, attempt + 1);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/**
	 * What the attempts of one request share.
	 */
	private record Attempts(ServerWebExchange exchange, GatewayFilterChain chain, URI url, String serviceId,
			RetryBudget budget, ReplayableBody body, LatencyLbRequestContext context) {
	}

	/**
	 * Observer of retry decisions, e.g. for metrics. Must be quick and must not throw.
	 */
	@FunctionalInterface
	public interface RetryListener {

		/**
		 * No-op listener.
		 */
		RetryListener NONE = (serviceId, outcome) -> {
		};

		/**
		 * A retry was made or refused.
		 * @param serviceId the service
		 * @param outcome {@code retried}, {@code exhausted} or {@code budget-exhausted}
		 */
		void retry(String serviceId, String outcome);

	}

}
