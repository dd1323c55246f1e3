package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.AdmissionConfig;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.latencylb.core.admission.Ticket;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * Admits each attempt through its instance's bulkhead: at once when a permit is free,
 * else after waiting (never blocking a thread) in the instance's priority queue (a keyed
 * request) or in the service's queue for the first permit that frees on any fit instance
 * (a keyless request, or a hot flow's excess request: a decision of reason
 * {@link DecisionReason#OVERFLOW}; see {@link ServiceQueue}; the attempt then goes to
 * that instance, and the flow stays pinned where it was), else not at all: the attempt
 * fails with {@link AdmissionRejectedException} (queue full, or no permit within the
 * queue timeout). {@link RetryGlobalFilter} retries a full queue elsewhere or turns the
 * rejection into a 503. One queue timeout covers a request's whole wait (every attempt's
 * wait counts): a request that timed out, in either queue, gets its 503 and is not
 * retried. The permit or queue slot is given back exactly once, on success, error,
 * timeout or cancellation: the attempt holds it from its grant on
 * ({@link LatencyLbResponse#holdPermit}) and gives it back when it ends. A
 * server-sent-event stream moves to its instance's stream limit ({@link StreamLimits})
 * when it has a free slot.
 */
public class InstanceAdmission implements LatencyLbRequestContext.AttemptAdmission {

	private static final Log logger = LogFactory.getLog(InstanceAdmission.class);

	private final AdmissionRegistry registry;

	private final long queueTimeoutNanos;

	private final long healthCheckQueueTimeoutNanos;

	private final NanoClock clock;

	private final AdmissionListener listener;

	private final StreamLimits streams;

	private final ServiceQueueAdmission anyInstance;

	/**
	 * Create the admission.
	 * @param registry the per-instance queues
	 * @param config the queue timeouts and stream limit
	 * @param clock the time source
	 * @param listener told of waits and rejections (metrics)
	 */
	public InstanceAdmission(AdmissionRegistry registry, AdmissionConfig config, NanoClock clock,
			AdmissionListener listener) {
		this(registry, config, clock, listener, new StreamLimits(config.maxConcurrentStreams()));
	}

	/**
	 * Create the admission with shared stream limits.
	 * @param registry the per-instance queues
	 * @param config the queue timeouts
	 * @param clock the time source
	 * @param listener told of waits and rejections (metrics)
	 * @param streams the per-instance limits of server-sent-event streams
	 */
	public InstanceAdmission(AdmissionRegistry registry, AdmissionConfig config, NanoClock clock,
			AdmissionListener listener, StreamLimits streams) {
		this.registry = registry;
		this.queueTimeoutNanos = config.queueTimeout().toNanos();
		this.healthCheckQueueTimeoutNanos = config.healthCheckQueueTimeout().toNanos();
		this.clock = clock;
		this.listener = listener;
		this.streams = streams;
		this.anyInstance = new ServiceQueueAdmission(registry, config, clock, this::admitted, this::rejected);
	}

	@Override
	public Mono<LatencyLbResponse> admit(LatencyLbRequestContext request, LatencyLbResponse attempt) {
		String serviceId = attempt.getScheduler().serviceId();
		int priorityClass = request.getPriority().getPriorityClass();
		PriorityAdmissionQueue queue = this.registry.queue(serviceId, attempt.getDecision());
		if (queue == null) {
			// The instance left after the load balancer chose it: no queue or bulkhead
			// is recreated for it; rejected, so the request is retried on a present
			// instance or gets a 503.
			rejected(serviceId, priorityClass, AdmissionRejectedException.Cause.FULL);
			return Mono.error(new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL));
		}
		int offset = request.getPriority().getOffset();
		if (queue.tryAcquireNow(priorityClass, offset)) {
			// Fast path, no ticket: admitted at once. The attempt holds the permit from
			// here on, so that nothing after (a throwing listener or filter) can leak it.
			attempt.holdPermit(queue.permitRelease());
			admitted(serviceId, priorityClass, 0);
			return Mono.just(attempt);
		}
		// Keyless requests and a hot flow's excess (OVERFLOW) take the first permit that
		// frees on any fit instance; WebSocket upgrades wait in their instance's queue.
		boolean anyInstance = !request.isKeyed() || attempt.getDecision().reason() == DecisionReason.OVERFLOW;
		ServiceQueue service = (anyInstance && !request.isWebSocket() && attempt.canRetarget())
				? this.registry.serviceQueue(serviceId) : null;
		if (service != null) {
			return this.anyInstance.admit(request, attempt, service);
		}
		long waited = request.getQueueWaitedNanos();
		if (waited >= this.queueTimeoutNanos) {
			// An earlier attempt used up the wait; nothing may wait again.
			rejected(serviceId, priorityClass, AdmissionRejectedException.Cause.TIMEOUT);
			return Mono.error(new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT, false));
		}
		long start = this.clock.nanoTime();
		long regularDeadline = start + this.queueTimeoutNanos - waited;
		// A health check over the health-check cap is demoted: it waits as a regular
		// request, with the regular queue timeout.
		Ticket ticket = queue.acquire(
				priorityClass, offset, request.getPriority().isHealthCheck()
						? start + Math.max(1, this.healthCheckQueueTimeoutNanos - waited) : regularDeadline,
				regularDeadline);
		if (ticket.state() == Ticket.State.GRANTED) {
			// A permit came free meanwhile.
			attempt.holdPermit(ticket::release);
			admitted(serviceId, priorityClass, 0);
			return Mono.just(attempt);
		}
		Duration timeout = Duration.ofNanos(Math.max(1, ticket.deadlineNanos() - start));
		// suppressCancel: our own cancel() gives the slot back; the future stays ours.
		Mono<Ticket> grant = Mono.fromFuture(ticket.granted(), true)
			.timeout(timeout)
			.onErrorMap(TimeoutException.class, (ex) -> {
				// Expire; if the grant won the race, cancel() hands the permit on.
				if (!ticket.expire()) {
					ticket.cancel();
				}
				// The request waited its whole queue timeout: it gets its 503, no retry.
				return new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT, false);
			});
		return GrantResumption.resumeOn(grant, request.getResumeExecutor(), ticket::cancel).map((granted) -> {
			attempt.holdPermit(ticket::release);
			long waitedHere = ticket.waitedNanos(this.clock.nanoTime());
			request.addQueueWait(waitedHere);
			admitted(serviceId, priorityClass, waitedHere);
			return attempt;
		})
			.doOnError(AdmissionRejectedException.class, (ex) -> rejected(serviceId, priorityClass, ex.cause()))
			// Cancelled while waiting, or granted after the attempt ended: the permit
			// or slot goes back (nothing happens once the attempt holds and released it).
			.doOnCancel(ticket::cancel);
	}

	@Override
	public void onEventStream(LatencyLbResponse attempt) {
		String serviceId = attempt.getScheduler().serviceId();
		String instanceId = attempt.getDecision().instanceId();
		PriorityAdmissionQueue queue = this.registry.queue(serviceId, attempt.getDecision());
		if (queue == null) {
			return;
		}
		Runnable slot = this.streams.tryAcquire(serviceId, instanceId, queue.pool().maxPermits());
		if (slot != null) {
			attempt.swapPermit(slot);
		}
	}

	void admitted(String serviceId, int priorityClass, long waitedNanos) {
		try {
			this.listener.admitted(serviceId, priorityClass, waitedNanos);
		}
		catch (RuntimeException ex) {
			logger.warn("Admission listener failed; the request goes on", ex);
		}
	}

	void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause) {
		try {
			this.listener.rejected(serviceId, priorityClass, cause);
		}
		catch (RuntimeException ex) {
			logger.warn("Admission listener failed", ex);
		}
	}

}
