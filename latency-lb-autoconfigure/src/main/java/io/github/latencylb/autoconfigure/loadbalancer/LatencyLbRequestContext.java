package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * Everything latency-lb keeps about one proxied request, under one exchange attribute
 * ({@link #ATTRIBUTE}): its flow-key hash, {@link RequestPriority}, the instances it must
 * not be sent to again, and its current attempt ({@link LatencyLbResponse}), which holds
 * the attempt's admission permit and in-flight lease. Every attempt is ended through
 * {@link #endAttempt}, the one place where what an attempt took is given back. Created by
 * the gateway filters for {@code lb} routes only.
 */
public final class LatencyLbRequestContext {

	/**
	 * Exchange attribute holding the context.
	 */
	public static final String ATTRIBUTE = "latencylb.request";

	private static final Runnable NO_PERMIT = () -> {
	};

	private final boolean scoped;

	private boolean keyed;

	private long flowKeyHash;

	private final RequestPriority priority = new RequestPriority();

	private boolean webSocket;

	private @Nullable Set<String> excluded;

	private long queueWaitedNanos;

	private @Nullable AttemptAdmission admission;

	private @Nullable Executor resumeExecutor;

	private volatile @Nullable LatencyLbResponse attempt;

	/**
	 * Create a context.
	 * @param scoped whether a filter that runs until the response body is written ends
	 * the last attempt (else the attempt ends with the filter chain)
	 */
	public LatencyLbRequestContext(boolean scoped) {
		this.scoped = scoped;
	}

	/**
	 * Return the context of an exchange.
	 * @param exchange the exchange
	 * @return the context, or {@code null} for requests latency-lb does not route
	 */
	public static @Nullable LatencyLbRequestContext of(ServerWebExchange exchange) {
		return of(exchange.getAttributes());
	}

	/**
	 * Return the context in request attributes.
	 * @param attributes the attributes
	 * @return the context, or {@code null}
	 */
	public static @Nullable LatencyLbRequestContext of(Map<String, Object> attributes) {
		Object context = attributes.get(ATTRIBUTE);
		return (context instanceof LatencyLbRequestContext request) ? request : null;
	}

	/**
	 * Return whether the end of the last attempt's response is left to a filter that runs
	 * until the body is written.
	 * @return whether the context is scoped
	 */
	public boolean isScoped() {
		return this.scoped;
	}

	/**
	 * Set the flow key's hash.
	 * @param hash the hash, or {@code null} for a keyless request
	 */
	public void setFlowKeyHash(@Nullable Long hash) {
		this.keyed = hash != null;
		this.flowKeyHash = (hash != null) ? hash : 0;
	}

	/**
	 * Return whether the request has a flow key.
	 * @return whether it is keyed
	 */
	public boolean isKeyed() {
		return this.keyed;
	}

	/**
	 * Return the flow key's hash.
	 * @return the hash, meaningful only if {@link #isKeyed()}
	 */
	public long getFlowKeyHash() {
		return this.flowKeyHash;
	}

	/**
	 * Return the request's priority, to classify it or let a route override it.
	 * @return the priority
	 */
	public RequestPriority getPriority() {
		return this.priority;
	}

	/**
	 * Set whether the request asks for a WebSocket upgrade: its permit is given back once
	 * the upgrade is answered.
	 * @param webSocket whether it does
	 */
	public void setWebSocket(boolean webSocket) {
		this.webSocket = webSocket;
	}

	/**
	 * Return whether the request asks for a WebSocket upgrade.
	 * @return whether it is an upgrade
	 */
	public boolean isWebSocket() {
		return this.webSocket;
	}

	/**
	 * Set what admits each attempt.
	 * @param admission the admission, or {@code null} to admit at once
	 */
	public void setAdmission(@Nullable AttemptAdmission admission) {
		this.admission = admission;
	}

	/**
	 * Return what admits each attempt.
	 * @return the admission, or {@code null}
	 */
	public @Nullable AttemptAdmission getAdmission() {
		return this.admission;
	}

	/**
	 * Set where an attempt that waited for its permit resumes: the request's own event
	 * loop, as if admitted at once, rather than the thread that freed the permit (another
	 * request's event loop, inside that request's response).
	 * @param resumeExecutor the executor, or {@code null} to resume on the freeing thread
	 */
	public void setResumeExecutor(@Nullable Executor resumeExecutor) {
		this.resumeExecutor = resumeExecutor;
	}

	/**
	 * Return where an attempt that waited for its permit resumes.
	 * @return the executor, or {@code null} to resume on the thread that freed the permit
	 */
	public @Nullable Executor getResumeExecutor() {
		return this.resumeExecutor;
	}

	/**
	 * Exclude an instance from the next choices (one this request already tried).
	 * @param instanceId the instance
	 */
	public void exclude(String instanceId) {
		Set<String> excluded = this.excluded;
		if (excluded == null) {
			excluded = new LinkedHashSet<>();
			this.excluded = excluded;
		}
		excluded.add(instanceId);
	}

	/**
	 * Return the instances this request must not be sent to.
	 * @return an unmodifiable view, in the order they were excluded
	 */
	public Set<String> getExcluded() {
		Set<String> excluded = this.excluded;
		return (excluded != null) ? Collections.unmodifiableSet(excluded) : Set.of();
	}

	/**
	 * Return how long the request has waited in admission queues so far, over all its
	 * attempts: one queue timeout covers the whole wait.
	 * @return the wait in nanoseconds
	 */
	public long getQueueWaitedNanos() {
		return this.queueWaitedNanos;
	}

	/**
	 * Add an attempt's wait in an admission queue.
	 * @param nanos the wait in nanoseconds
	 */
	public void addQueueWait(long nanos) {
		this.queueWaitedNanos += Math.max(0, nanos);
	}

	/**
	 * Return the current attempt.
	 * @return the attempt, or {@code null} before the first choice
	 */
	public @Nullable LatencyLbResponse getAttempt() {
		return this.attempt;
	}

	/**
	 * Start an attempt on the instance the load balancer chose: admit it (waiting in the
	 * instance's queue if needed), then count it in flight.
	 * @param attempt the load balancer's response
	 * @return the response, once admitted; an error when admission rejects it
	 */
	public Mono<LatencyLbResponse> begin(LatencyLbResponse attempt) {
		this.attempt = attempt;
		AttemptAdmission admission = this.admission;
		if (admission == null) {
			attempt.start();
			return Mono.just(attempt);
		}
		Mono<LatencyLbResponse> admitted = admission.admit(this, attempt);
		if (attempt.tookPermit()) {
			// Admitted at once (the common case): started here, so that the load
			// balancer's flatMap takes the admission's Mono.just as a plain value.
			attempt.start();
			return admitted;
		}
		return admitted.doOnNext(LatencyLbResponse::start);
	}

	/**
	 * A WebSocket upgrade's response is being committed: the latency sample of the
	 * current attempt ends, and the upgrade gives its request permit back (its chain
	 * lasts as long as the socket).
	 */
	public void onCommit() {
		LatencyLbResponse attempt = this.attempt;
		if (attempt != null) {
			attempt.responded();
			if (this.webSocket) {
				attempt.swapPermit(NO_PERMIT);
			}
		}
	}

	/**
	 * End the current attempt, exactly once: record its outcome and give back its permit
	 * and lease. Later calls for the same attempt do nothing.
	 * @param end how it ended
	 * @param status the response status, if any
	 */
	public void endAttempt(LatencyLbResponse.End end, @Nullable HttpStatusCode status) {
		LatencyLbResponse attempt = this.attempt;
		if (attempt != null) {
			attempt.end(end, status);
		}
	}

	/**
	 * Admits attempts of requests, e.g. through per-instance bulkheads and queues.
	 */
	@FunctionalInterface
	public interface AttemptAdmission {

		/**
		 * Admit an attempt: the returned {@link Mono} emits the attempt once it holds its
		 * permit ({@link LatencyLbResponse#holdPermit}), fails with
		 * {@code AdmissionRejectedException} when it is turned away, and gives the permit
		 * or queue slot back when cancelled. An attempt that holds its permit when this
		 * method returns was admitted at once: the {@link Mono} then emits it.
		 * @param request the request
		 * @param attempt the attempt
		 * @return the admitted attempt
		 */
		Mono<LatencyLbResponse> admit(LatencyLbRequestContext request, LatencyLbResponse attempt);

		/**
		 * The attempt's response headers arrived and say it is a server-sent-event
		 * stream: it may move from its request permit to a stream slot.
		 * @param attempt the attempt
		 */
		default void onEventStream(LatencyLbResponse attempt) {
		}

	}

}
