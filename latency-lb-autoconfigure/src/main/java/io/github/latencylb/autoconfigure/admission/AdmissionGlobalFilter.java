package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.Ticket;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Admits each proxied request through its instance's bulkhead: at once when a permit is
 * free, else after waiting in the instance's priority queue (never blocking a thread),
 * else not at all: the request fails with {@link AdmissionRejectedException} (queue full,
 * or no permit within the queue timeout), which {@link RetryGlobalFilter} retries
 * elsewhere or turns into a 503. The permit or queue slot is given back exactly once, on
 * success, error, timeout or cancellation.
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

	private final AdmissionRegistry registry;

	private final Duration queueTimeout;

	private final Duration healthCheckQueueTimeout;

	private final NanoClock clock;

	private final AdmissionListener listener;

	/**
	 * Create the filter.
	 * @param registry the per-instance queues
	 * @param queueTimeout how long a regular request may wait
	 * @param healthCheckQueueTimeout how long a health check may wait
	 * @param clock the time source
	 * @param listener told of waits and rejections (metrics)
	 */
	public AdmissionGlobalFilter(AdmissionRegistry registry, Duration queueTimeout, Duration healthCheckQueueTimeout,
			NanoClock clock, AdmissionListener listener) {
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
		return Mono.defer(() -> {
			PriorityAdmissionQueue queue = this.registry.queue(serviceId, instanceId);
			if (queue == null) {
				// The instance left after the load balancer chose it: no queue or
				// bulkhead is recreated for it; rejected, so the request is retried on a
				// present instance or gets a 503.
				exchange.getAttributes().put(REJECTED_INSTANCE, instanceId);
				this.listener.rejected(serviceId, priorityClass, AdmissionRejectedException.Cause.FULL);
				return Mono.error(new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL));
			}
			long start = this.clock.nanoTime();
			long regularDeadline = start + this.queueTimeout.toNanos();
			// A health check over the health-check cap is demoted: it waits as a regular
			// request, with the regular queue timeout.
			Ticket ticket = queue.acquire(priorityClass, offset,
					healthCheck ? start + this.healthCheckQueueTimeout.toNanos() : regularDeadline, regularDeadline);
			Duration timeout = Duration.ofNanos(Math.max(1, ticket.deadlineNanos() - start));
			if (ticket.state() == Ticket.State.GRANTED) {
				// Fast path: admitted at once. release() also covers cancellation (it is
				// idempotent).
				this.listener.admitted(serviceId, priorityClass, 0);
				Mono<Void> rest;
				try {
					rest = chain.filter(exchange);
				}
				catch (RuntimeException ex) {
					// A filter that throws instead of returning an error must not keep
					// the permit.
					ticket.release();
					throw ex;
				}
				return rest.doFinally((signal) -> ticket.release());
			}
			Mono<Void> admitted = admission(ticket, timeout, serviceId, priorityClass);
			return admitted.then(Mono.defer(() -> {
				this.listener.admitted(serviceId, priorityClass, ticket.waitedNanos(this.clock.nanoTime()));
				return chain.filter(exchange);
			})).onErrorMap(AdmissionRejectedException.class, (ex) -> {
				exchange.getAttributes().put(REJECTED_INSTANCE, instanceId);
				this.listener.rejected(serviceId, priorityClass, ex.cause());
				return ex;
			}).doOnCancel(ticket::cancel).doFinally((signal) -> ticket.release());
		});
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
