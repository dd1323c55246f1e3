package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.admission.AdmissionConfig;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.ServiceQueue;
import io.github.latencylb.core.admission.ServiceWaiter;
import reactor.core.publisher.Mono;

/**
 * The second level of queueing, for an attempt whose chosen instance had no free permit
 * and that may run on any fit instance: a keyless one, or a hot flow's excess request
 * (decision reason {@code OVERFLOW}). It takes a free permit of another fit instance,
 * else waits in the service's {@link ServiceQueue} for the first permit that frees on any
 * of them, and is moved to that instance ({@link LatencyLbResponse#retarget}) before it
 * starts, so that its lease, in-flight count and retry exclusion name it; a flow's pin is
 * left where it was (the request is counted in flight for its flow only when it runs on
 * the instance chosen for it). One deadline covers the request's whole wait (what its
 * earlier attempts waited counts); a timeout ends the request (a non-retriable
 * {@code TIMEOUT}). The permit or queue slot is given back exactly once, on success,
 * error, timeout or cancellation.
 */
final class ServiceQueueAdmission {

	private final AdmissionRegistry registry;

	private final long queueTimeoutNanos;

	private final long healthCheckQueueTimeoutNanos;

	private final NanoClock clock;

	private final Admitted admitted;

	private final Rejected rejected;

	ServiceQueueAdmission(AdmissionRegistry registry, AdmissionConfig config, NanoClock clock, Admitted admitted,
			Rejected rejected) {
		this.registry = registry;
		this.queueTimeoutNanos = config.queueTimeout().toNanos();
		this.healthCheckQueueTimeoutNanos = config.healthCheckQueueTimeout().toNanos();
		this.clock = clock;
		this.admitted = admitted;
		this.rejected = rejected;
	}

	Mono<LatencyLbResponse> admit(LatencyLbRequestContext request, LatencyLbResponse attempt, ServiceQueue service) {
		String serviceId = attempt.getScheduler().serviceId();
		int priorityClass = request.getPriority().getPriorityClass();
		long start = this.clock.nanoTime();
		long waited = request.getQueueWaitedNanos();
		long regular = this.queueTimeoutNanos - waited;
		if (regular <= 0) {
			// An earlier attempt used up the wait; nothing may wait again.
			return reject(serviceId, priorityClass,
					new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT, false));
		}
		List<Decision> candidates = candidates(attempt);
		List<PriorityAdmissionQueue> members = new ArrayList<>(candidates.size());
		List<Decision> decisions = new ArrayList<>(candidates.size());
		for (Decision candidate : candidates) {
			PriorityAdmissionQueue queue = this.registry.queue(serviceId, candidate);
			if (queue != null) {
				members.add(queue);
				decisions.add(candidate);
			}
		}
		if (members.isEmpty()) {
			// Every candidate left the service meanwhile: retried on a present instance.
			return reject(serviceId, priorityClass,
					new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL));
		}
		long healthCheck = Math.max(1, this.healthCheckQueueTimeoutNanos - waited);
		ServiceWaiter waiter = service.join(priorityClass, request.getPriority().getOffset(),
				start + (request.getPriority().isHealthCheck() ? healthCheck : regular), start + regular, members);
		if (waiter.state() == ServiceWaiter.State.GRANTED) {
			return Mono.fromCallable(() -> granted(request, attempt, waiter, decisions, start))
				.doOnError(AdmissionRejectedException.class,
						(ex) -> this.rejected.rejected(serviceId, priorityClass, ex.cause()));
		}
		if (waiter.state() == ServiceWaiter.State.REJECTED) {
			return reject(serviceId, priorityClass,
					new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL));
		}
		Duration timeout = Duration.ofNanos(Math.max(1, waiter.deadlineNanos() - start));
		// suppressCancel: our own cancel() gives the slot back; the future stays ours.
		Mono<ServiceWaiter> grant = Mono.fromFuture(waiter.granted(), true)
			.timeout(timeout)
			.onErrorMap(TimeoutException.class, (ex) -> {
				// Expire; if the grant won the race, cancel() gives the permit back.
				if (!waiter.expire()) {
					waiter.cancel();
				}
				return new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT, false);
			});
		return GrantResumption.resumeOn(grant, request.getResumeExecutor(), waiter::cancel)
			.map((granted) -> granted(request, attempt, waiter, decisions, start))
			.doOnError(AdmissionRejectedException.class,
					(ex) -> this.rejected.rejected(serviceId, priorityClass, ex.cause()))
			.doOnError((ex) -> request.addQueueWait(this.clock.nanoTime() - start))
			// Cancelled while waiting, or granted after the attempt ended: the permit or
			// slot goes back (nothing happens once the attempt holds and released it).
			.doOnCancel(waiter::cancel);
	}

	/**
	 * Return the attempt's own choice first (its queue was just found full), then the
	 * other instances two choices would draw from.
	 * @param attempt the attempt
	 * @return the candidates
	 */
	private static List<Decision> candidates(LatencyLbResponse attempt) {
		Decision chosen = attempt.getDecision();
		List<Decision> all = attempt.getScheduler().keylessCandidates(attempt.getExcluded());
		List<Decision> ordered = new ArrayList<>(all.size() + 1);
		ordered.add(chosen);
		for (Decision candidate : all) {
			if (!candidate.instanceId().equals(chosen.instanceId())) {
				ordered.add(candidate);
			}
		}
		return ordered;
	}

	/**
	 * The waiter owns a permit of one candidate: the attempt goes there and holds it.
	 * @param request the request
	 * @param attempt the attempt
	 * @param waiter the granted waiter
	 * @param decisions the candidates' decisions
	 * @param start when the wait began
	 * @return the attempt, moved to the instance it got
	 */
	private LatencyLbResponse granted(LatencyLbRequestContext request, LatencyLbResponse attempt, ServiceWaiter waiter,
			List<Decision> decisions, long start) {
		long waited = this.clock.nanoTime() - start;
		Decision got = null;
		for (Decision decision : decisions) {
			if (decision.instanceId().equals(waiter.instanceId())) {
				got = decision;
			}
		}
		if (got == null || !attempt.retarget(got)) {
			// The instance left the load balancer's list meanwhile: retried elsewhere.
			waiter.release();
			throw new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL);
		}
		attempt.holdPermit(waiter::release);
		request.addQueueWait(waited);
		this.admitted.admitted(attempt.getScheduler().serviceId(), request.getPriority().getPriorityClass(), waited);
		return attempt;
	}

	private Mono<LatencyLbResponse> reject(String serviceId, int priorityClass, AdmissionRejectedException ex) {
		this.rejected.rejected(serviceId, priorityClass, ex.cause());
		return Mono.error(ex);
	}

	/** Told of an admitted attempt (metrics); must not throw. */
	@FunctionalInterface
	interface Admitted {

		void admitted(String serviceId, int priorityClass, long waitedNanos);

	}

	/** Told of a rejected attempt (metrics); must not throw. */
	@FunctionalInterface
	interface Rejected {

		void rejected(String serviceId, int priorityClass, AdmissionRejectedException.Cause cause);

	}

}
