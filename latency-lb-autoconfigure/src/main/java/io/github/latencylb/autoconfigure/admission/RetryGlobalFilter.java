package io.github.latencylb.autoconfigure.admission;

import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.RetryBudget;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.netty.channel.ConnectTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * Bounded retries for {@code lb://} routes, on another instance: the failed instance is
 * excluded from the next choice, so the flow goes to the next candidate of its preference
 * list (and is recorded there). Retries when an attempt failed before the request was
 * sent (connection refused or closed before the request was written, queue full, queue
 * timeout) and, for idempotent methods only, on a reset connection or a configured
 * status. At most {@code max-attempts} attempts in all, whatever mix of failures they
 * meet, and retries stay within a per-service {@link RetryBudget}.
 * <p>
 * A retry sends the next instance exactly the bytes the client sent, or is not made: a
 * request body of up to {@code max-body-bytes} is read and kept before the first attempt
 * and sent whole by each attempt; a larger body is streamed once, so its request is
 * retried only if the failed attempt had not started sending it (see
 * {@link ReplayableBody}). A request turned away by admission and not retried gets a 503
 * with {@code Retry-After} and a short JSON body naming the cause.
 */
public class RetryGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: just before the load-balancer filter, after flow key and priority
	 * classification.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 10;

	private static final Log logger = LogFactory.getLog(RetryGlobalFilter.class);

	/**
	 * Default of the largest request body kept for retries: 64 KiB.
	 */
	public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

	private static final Object RESPONDED = new Object();

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	private final int maxAttempts;

	private final Set<Integer> statuses;

	private final Function<String, RetryBudget> budgetFactory;

	private final ConcurrentMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();

	private final RetryListener listener;

	private final int maxBodyBytes;

	/**
	 * Create the filter, keeping request bodies of up to {@value #DEFAULT_MAX_BODY_BYTES}
	 * bytes for retries.
	 * @param maxAttempts attempts per request, counting the first
	 * @param statuses statuses retried for idempotent methods
	 * @param budgetFactory creates a service's retry budget
	 * @param listener told of each retry decision (metrics)
	 */
	public RetryGlobalFilter(int maxAttempts, Set<Integer> statuses, Function<String, RetryBudget> budgetFactory,
			RetryListener listener) {
		this(maxAttempts, statuses, budgetFactory, listener, DEFAULT_MAX_BODY_BYTES);
	}

	/**
	 * Create the filter.
	 * @param maxAttempts attempts per request, counting the first
	 * @param statuses statuses retried for idempotent methods
	 * @param budgetFactory creates a service's retry budget
	 * @param listener told of each retry decision (metrics)
	 * @param maxBodyBytes largest request body kept in memory so that a retry can send it
	 * again; 0 keeps none
	 */
	public RetryGlobalFilter(int maxAttempts, Set<Integer> statuses, Function<String, RetryBudget> budgetFactory,
			RetryListener listener, int maxBodyBytes) {
		if (maxBodyBytes < 0) {
			throw new IllegalArgumentException("maxBodyBytes must be >= 0, was " + maxBodyBytes);
		}
		this.maxBodyBytes = maxBodyBytes;
		this.maxAttempts = maxAttempts;
		this.statuses = Set.copyOf(statuses);
		this.budgetFactory = budgetFactory;
		this.listener = listener;
	}

	/**
	 * Return a service's retry budget, if the service has seen requests.
	 * @param serviceId the service
	 * @return the budget, or {@code null}
	 */
	public RetryBudget budget(String serviceId) {
		return this.budgets.get(serviceId);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equals(url.getScheme()) || url.getHost() == null) {
			return chain.filter(exchange);
		}
		if (this.maxAttempts == 1) {
			// No retries: only turn admission rejections into 503s.
			return chain.filter(exchange)
				.onErrorResume(AdmissionRejectedException.class, (ex) -> reject(exchange, ex))
				.onErrorResume(NotFoundException.class, (ex) -> noInstance(exchange, url.getHost(), ex));
		}
		String serviceId = url.getHost();
		RetryBudget budget = this.budgets.computeIfAbsent(serviceId, this.budgetFactory);
		budget.onRequest();
		// Keep the body (up to max-body-bytes) before the first attempt, so that a retry
		// sends exactly what the client sent; a larger body is sent once.
		return ReplayableBody.read(exchange.getRequest(), this.maxBodyBytes).flatMap((body) -> {
			ServerWebExchange replaying = !body.present() ? exchange
					: exchange.mutate()
						.request(body.decorate(exchange.getRequest(), exchange.getResponse().bufferFactory()))
						.build();
			Attempts attempts = new Attempts(replaying, chain, url, serviceId, budget, body);
			return attempt(attempts, 1).doFinally((signal) -> body.discard());
		}).onErrorResume(NotFoundException.class, (ex) -> noInstance(exchange, serviceId, ex));
	}

	/**
	 * One attempt: its outcome (response or error) is decided here, outside the scope of
	 * the error handling of any later attempt, so that attempts are counted once each.
	 */
	private Mono<Void> attempt(Attempts attempts, int attempt) {
		return Mono.defer(() -> attempts.chain.filter(attempts.exchange))
			.then(Mono.<Object>fromSupplier(() -> RESPONDED))
			.onErrorResume(Mono::just)
			.flatMap((outcome) -> (outcome instanceof Throwable ex) ? afterError(attempts, attempt, ex)
					: afterResponse(attempts, attempt));
	}

	private Mono<Void> afterResponse(Attempts attempts, int attempt) {
		ServerWebExchange exchange = attempts.exchange;
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		if (status == null || !this.statuses.contains(status.value()) || !idempotent(exchange)
				|| exchange.getResponse().isCommitted() || !attempts.body.replayable()) {
			return Mono.empty();
		}
		return retryOrElse(attempts, attempt, LatencyLbResponse.End.COMPLETE, Mono.empty());
	}

	private Mono<Void> afterError(Attempts attempts, int attempt, Throwable ex) {
		ServerWebExchange exchange = attempts.exchange;
		boolean notSent = ex instanceof AdmissionRejectedException || isConnectFailure(ex);
		// A body kept as a copy can be sent again; a streamed one only if no attempt took
		// it.
		boolean bodySendable = attempts.body.replayable() || !attempts.body.consumed();
		boolean retriable = bodySendable && (notSent || (idempotent(exchange) && isReset(ex)));
		// Deferred: writing the 503 must happen only if no retry follows.
		Mono<Void> otherwise = (ex instanceof AdmissionRejectedException rejected)
				? Mono.defer(() -> reject(exchange, rejected)) : Mono.error(ex);
		if (!retriable || exchange.getResponse().isCommitted()) {
			return otherwise;
		}
		return retryOrElse(attempts, attempt, LatencyLbResponse.End.FAILURE, otherwise);
	}

	private Mono<Void> retryOrElse(Attempts attempts, int attempt, LatencyLbResponse.End end, Mono<Void> otherwise) {
		ServerWebExchange exchange = attempts.exchange;
		String serviceId = attempts.serviceId;
		if (attempt >= this.maxAttempts) {
			this.listener.retry(serviceId, "exhausted");
			return otherwise;
		}
		if (!attempts.budget.tryAcquire()) {
			this.listener.retry(serviceId, "budget-exhausted");
			return otherwise;
		}
		String failed = failedInstance(exchange);
		if (failed != null) {
			Set<String> excluded = new LinkedHashSet<>(
					exchange.getAttributeOrDefault(LatencyLbAttributes.EXCLUDED_INSTANCES, Set.<String>of()));
			excluded.add(failed);
			exchange.getAttributes().put(LatencyLbAttributes.EXCLUDED_INSTANCES, excluded);
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Retrying " + exchange.getRequest().getMethod() + " to service '" + serviceId
					+ "' on another instance than " + failed + " (attempt " + (attempt + 1) + ")");
		}
		this.listener.retry(serviceId, "retried");
		prepareRetry(exchange, attempts.url, end);
		return attempt(attempts, attempt + 1);
	}

	private static String failedInstance(ServerWebExchange exchange) {
		String rejected = exchange.getAttribute(AdmissionGlobalFilter.REJECTED_INSTANCE);
		if (rejected != null) {
			exchange.getAttributes().remove(AdmissionGlobalFilter.REJECTED_INSTANCE);
			return rejected;
		}
		Object response = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		return (response instanceof LatencyLbResponse chosen) ? chosen.getDecision().instanceId() : null;
	}

	private static void prepareRetry(ServerWebExchange exchange, URI url, LatencyLbResponse.End end) {
		// The failed attempt gives back its permit and in-flight slot before the next one
		// is chosen (its response, if any, is dropped).
		Object chosen = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (chosen instanceof LatencyLbResponse response) {
			response.end(end, exchange.getResponse().getStatusCode());
		}
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (connection != null) {
			connection.dispose();
		}
		ServerWebExchangeUtils.reset(exchange);
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		exchange.getResponse().setStatusCode(null);
	}

	private static boolean idempotent(ServerWebExchange exchange) {
		return IDEMPOTENT.contains(exchange.getRequest().getMethod());
	}

	private static boolean isConnectFailure(Throwable ex) {
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
	 */
	private static boolean isClosedBeforeSend(Throwable t) {
		return t instanceof AbortedException && t.getMessage() != null && t.getMessage().contains("BEFORE send");
	}

	/**
	 * Reactor Netty's pool handed out a connection that was already closed, twice in a
	 * row ({@code IOException("Error while acquiring from <pool>")}), typically because
	 * the instance just went away: nothing was written, so the request was not sent.
	 */
	private static boolean isAcquireFailure(Throwable t) {
		return t instanceof java.io.IOException && t.getMessage() != null
				&& t.getMessage().startsWith("Error while acquiring from");
	}

	private static boolean isReset(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof PrematureCloseException || (t instanceof java.io.IOException && t.getMessage() != null
					&& t.getMessage().contains("reset"))) {
				return true;
			}
		}
		return false;
	}

	private static Mono<Void> reject(ServerWebExchange exchange, AdmissionRejectedException rejected) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(rejected);
		}
		String cause = (rejected.cause() == AdmissionRejectedException.Cause.FULL) ? "queue_full" : "queue_timeout";
		String message = (rejected.cause() == AdmissionRejectedException.Cause.FULL)
				? "Every instance tried was at its concurrency limit with a full queue"
				: "No instance tried had a free slot within the queue timeout";
		return unavailable(response, cause, message);
	}

	/**
	 * The service had no instance to choose ({@link ReactiveLoadBalancerClientFilter}'s
	 * 503): the same short JSON body as an admission rejection, naming the service. A 404
	 * configured through {@code spring.cloud.gateway.loadbalancer.use404} is left to
	 * Gateway.
	 */
	private static Mono<Void> noInstance(ServerWebExchange exchange, String serviceId, NotFoundException ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted() || ex.getStatusCode().value() != HttpStatus.SERVICE_UNAVAILABLE.value()) {
			return Mono.error(ex);
		}
		return unavailable(response, "no_instance",
				"Service '" + serviceId.replace("\"", "").replace("\\", "") + "' has no available instance");
	}

	private static Mono<Void> unavailable(ServerHttpResponse response, String cause, String message) {
		response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		response.getHeaders().set("Retry-After", "1");
		byte[] body = ("{\"status\":503,\"error\":\"" + cause + "\",\"message\":\"" + message + "\"}")
			.getBytes(StandardCharsets.UTF_8);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/**
	 * What the attempts of one request share.
	 */
	private record Attempts(ServerWebExchange exchange, GatewayFilterChain chain, URI url, String serviceId,
			RetryBudget budget, ReplayableBody body) {
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
