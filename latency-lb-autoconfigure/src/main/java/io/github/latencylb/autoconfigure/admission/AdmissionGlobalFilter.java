package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;

import io.github.latencylb.autoconfigure.gateway.ResponseEndGlobalFilter;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.Ticket;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * Admits each proxied request through its instance's bulkhead: at once when a permit is
 * free, else after waiting in the instance's priority queue (never blocking a thread),
 * else not at all: the request fails with {@link AdmissionRejectedException} (queue full,
 * or no permit within the queue timeout), which {@link RetryGlobalFilter} retries
 * elsewhere or turns into a 503. The permit or queue slot is given back exactly once, on
 * success, error, timeout or cancellation, and a permit lasts as long as the response,
 * body included (see {@link LatencyLbResponse#end}). Long-lived responses do not hold a
 * request permit for their whole life: a server-sent-event stream moves to its instance's
 * stream limit ({@link StreamLimits}) when it has a free slot, and a WebSocket upgrade
 * gives its permit back once the upgrade is answered.
 */
public class AdmissionGlobalFilter implements GlobalFilter, Ordered {

	/**
	 * Order: right after the load balancer chose, before in-flight accounting (queueing
	 * time is not the instance's latency).
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;

	/**
	 * Attribute: {@link String}, the instance whose admission rejected the request.
	 */
	public static final String REJECTED_INSTANCE = "latencylb.rejectedInstance";

	private static final Log logger = LogFactory.getLog(AdmissionGlobalFilter.class);

	private static final Runnable NO_PERMIT = () -> {
	};

	private final AdmissionRegistry registry;

	private final Duration queueTimeout;

	private final Duration healthCheckQueueTimeout;

	private final NanoClock clock;

	private final AdmissionListener listener;

	private final StreamLimits streams;

	/**
	 * Create the filter, with as many concurrent streams per instance as requests.
	 * @param registry the per-instance queues
	 * @param queueTimeout how long a regular request may wait
	 * @param healthCheckQueueTimeout how long a health check may wait
	 * @param clock the time source
	 * @param listener told of waits and rejections (metrics)
	 */
	public AdmissionGlobalFilter(AdmissionRegistry registry, Duration queueTimeout, Duration healthCheckQueueTimeout,
			NanoClock clock, AdmissionListener listener) {
		this(registry, queueTimeout, healthCheckQueueTimeout, clock, listener, new StreamLimits(0));
	}

	/**
	 * Create the filter.
	 * @param registry the per-instance queues
	 * @param queueTimeout how long a regular request may wait
	 * @param healthCheckQueueTimeout how long a health check may wait
	 * @param clock the time source
	 * @param listener told of waits and rejections (metrics)
	 * @param streams the per-instance limits of server-sent-event streams
	 */
	public AdmissionGlobalFilter(AdmissionRegistry registry, Duration queueTimeout, Duration healthCheckQueueTimeout,
			NanoClock clock, AdmissionListener listener, StreamLimits streams) {
		this.streams = streams;
		this.registry = registry;
		this.queueTimeout = queueTimeout;
		this.healthCheckQueueTimeout = healthCheckQueueTimeout;
		this.clock = clock;
		this.listener = listener;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Object response = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (!(response instanceof LatencyLbResponse chosen) || !chosen.claimAdmission()) {
			return chain.filter(exchange);
		}
		String serviceId = chosen.getScheduler().serviceId();
		String instanceId = chosen.getDecision().instanceId();
		int priorityClass = exchange.getAttributeOrDefault(LatencyLbAttributes.PRIORITY_CLASS, 0);
		int offset = exchange.getAttributeOrDefault(LatencyLbAttributes.PRIORITY_OFFSET, 0);
		boolean healthCheck = exchange.getAttributeOrDefault(LatencyLbAttributes.HEALTH_CHECK, false);
		boolean scoped = ResponseEndGlobalFilter.isScoped(exchange);
		return Mono.defer(() -> {
			PriorityAdmissionQueue queue = this.registry.queue(serviceId, instanceId);
			if (queue == null) {
				// The instance left after the load balancer chose it: no queue or
				// bulkhead is recreated for it; rejected, so the request is retried on a
				// present instance or gets a 503.
				exchange.getAttributes().put(REJECTED_INSTANCE, instanceId);
				rejected(serviceId, priorityClass, AdmissionRejectedException.Cause.FULL);
				return untilResponse(Mono.error(new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL)),
						exchange, chosen, null, scoped);
			}
			long start = this.clock.nanoTime();
			long regularDeadline = start + this.queueTimeout.toNanos();
			// A health check over the health-check cap is demoted: it waits as a regular
			// request, with the regular queue timeout.
			Ticket ticket = queue.acquire(priorityClass, offset,
					healthCheck ? start + this.healthCheckQueueTimeout.toNanos() : regularDeadline, regularDeadline);
			Duration timeout = Duration.ofNanos(Math.max(1, ticket.deadlineNanos() - start));
			if (ticket.state() == Ticket.State.GRANTED) {
				// Fast path: admitted at once. The attempt holds the permit from here on,
				// so that nothing below (a throwing listener or filter) can leak it.
				chosen.holdPermit(ticket::release);
				Mono<Void> rest;
				try {
					admitted(serviceId, priorityClass, 0);
					onUpgrade(exchange, chosen);
					rest = chain.filter(exchange);
				}
				catch (RuntimeException ex) {
					chosen.end(LatencyLbResponse.End.FAILURE, null);
					throw ex;
				}
				return untilResponse(rest, exchange, chosen, queue, scoped);
			}
			Mono<Void> admitted = admission(ticket, timeout, serviceId, priorityClass);
			Mono<Void> rest = admitted.then(Mono.defer(() -> {
				chosen.holdPermit(ticket::release);
				admitted(serviceId, priorityClass, ticket.waitedNanos(this.clock.nanoTime()));
				onUpgrade(exchange, chosen);
				return chain.filter(exchange);
			})).onErrorMap(AdmissionRejectedException.class, (ex) -> {
				exchange.getAttributes().put(REJECTED_INSTANCE, instanceId);
				rejected(serviceId, priorityClass, ex.cause());
				return ex;
			}).doOnCancel(ticket::cancel);
			return untilResponse(rest, exchange, chosen, queue, scoped).doFinally((signal) -> {
				// Never granted, or granted after the attempt ended: give the permit
				// back (does nothing if the attempt holds it, or it was returned).
				if (chosen.isEnded()) {
					ticket.release();
				}
			});
		});
	}

	/**
	 * The attempt keeps its permit until its response is over: an error or cancellation
	 * ends it here; response headers leave the end to {@link ResponseEndGlobalFilter}
	 * (when present), after the body. A server-sent-event stream moves from its request
	 * permit to its instance's stream limit, when a stream slot is free.
	 */
	private Mono<Void> untilResponse(Mono<Void> rest, ServerWebExchange exchange, LatencyLbResponse chosen,
			PriorityAdmissionQueue queue, boolean scoped) {
		return rest.doOnSuccess((ignored) -> {
			if (scoped && isEventStream(exchange)) {
				Runnable slot = this.streams.tryAcquire(chosen.getScheduler().serviceId(),
						chosen.getDecision().instanceId(), queue.pool().maxPermits());
				if (slot != null) {
					chosen.swapPermit(slot);
				}
			}
		}).doFinally((signal) -> {
			if (signal != SignalType.ON_COMPLETE || !scoped) {
				chosen.end(ResponseEndGlobalFilter.toEnd(signal), exchange.getResponse().getStatusCode());
			}
		});
	}

	private static boolean isEventStream(ServerWebExchange exchange) {
		try {
			MediaType type = exchange.getResponse().getHeaders().getContentType();
			return type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type);
		}
		catch (RuntimeException ex) {
			// An invalid Content-Type from the backend is not a stream.
			return false;
		}
	}

	/**
	 * A WebSocket upgrade gives its request permit back once the upgrade is answered:
	 * open WebSockets never hold the permits of ordinary requests.
	 */
	private static void onUpgrade(ServerWebExchange exchange, LatencyLbResponse chosen) {
		if ("websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade())) {
			exchange.getResponse().beforeCommit(() -> {
				chosen.swapPermit(NO_PERMIT);
				return Mono.empty();
			});
		}
	}

	private void admitted(String serviceId, int priorityClass, long waitedNanos) {
		try {
			this.listener.admitted(serviceId, priorityClass, waitedNanos);
		}
		catch (RuntimeException ex) {
			logger.warn("Admission listener failed; the request goes on", ex);
		}
	}

	private void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause) {
		try {
			this.listener.rejected(serviceId, priorityClass, cause);
		}
		catch (RuntimeException ex) {
			logger.warn("Admission listener failed", ex);
		}
	}

	private Mono<Void> admission(Ticket ticket, Duration timeout, String serviceId, int priorityClass) {
		if (ticket.state() == Ticket.State.GRANTED) {
			return Mono.empty();
		}
		// suppressCancel: our own cancel() below gives the slot back; the future stays
		// ours.
		return Mono.fromFuture(ticket.granted(), true)
			.timeout(timeout)
			.onErrorMap(java.util.concurrent.TimeoutException.class, (ex) -> {
				// Expire; if the grant won the race, cancel() hands the permit on.
				if (!ticket.expire()) {
					ticket.cancel();
				}
				return new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT);
			})
			.then();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/**
	 * Observer of admission outcomes, e.g. for metrics. Must be quick and must not throw.
	 */
	public interface AdmissionListener {

		/**
		 * No-op listener.
		 */
		AdmissionListener NONE = new AdmissionListener() {
		};

		/**
		 * A request got its permit.
		 * @param serviceId the service
		 * @param priorityClass its class
		 * @param waitedNanos how long it waited in the queue
		 */
		default void admitted(String serviceId, int priorityClass, long waitedNanos) {
		}

		/**
		 * A request was turned away.
		 * @param serviceId the service
		 * @param priorityClass its class
		 * @param cause full queue or timeout
		 */
		default void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause) {
		}

	}

}
