package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;

import io.github.latencylb.core.Decision;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.Scheduler;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.http.HttpStatusCode;

/**
 * A load-balancer response that remembers the scheduler's decision, so that the request
 * can be accounted for on the instance it was sent to. One per attempt: it also holds
 * what the attempt took (its admission permit and its in-flight lease) until the attempt
 * ends, and gives both back in one place, exactly once ({@link #end}): when the attempt
 * fails, when it is retried, or when its response, body included, is over.
 */
public class LatencyLbResponse extends DefaultResponse {

	// Fields with updaters rather than three atomic objects: one object per attempt.
	private static final AtomicReferenceFieldUpdater<LatencyLbResponse, Runnable> PERMIT = AtomicReferenceFieldUpdater
		.newUpdater(LatencyLbResponse.class, Runnable.class, "permit");

	private static final AtomicReferenceFieldUpdater<LatencyLbResponse, Lease> LEASE = AtomicReferenceFieldUpdater
		.newUpdater(LatencyLbResponse.class, Lease.class, "lease");

	private static final AtomicIntegerFieldUpdater<LatencyLbResponse> ENDED = AtomicIntegerFieldUpdater
		.newUpdater(LatencyLbResponse.class, "ended");

	private static final Runnable RELEASED = () -> {
	};

	private final Scheduler scheduler;

	private final Set<String> excluded;

	private final @Nullable Function<String, @Nullable ServiceInstance> instances;

	/** The instance the attempt goes to: the chosen one, or the one it waited for. */
	private volatile ServiceInstance instance;

	private volatile Decision decision;

	/** Gives back the permit held, {@code null} if none yet, RELEASED once given back. */
	private volatile @Nullable Runnable permit;

	/** The in-flight lease, once started. */
	private volatile @Nullable Lease lease;

	/** 1 once {@link #end} ran. */
	private volatile int ended;

	/**
	 * Create a response.
	 * @param instance the chosen instance
	 * @param scheduler the scheduler that decided
	 * @param decision its decision
	 */
	public LatencyLbResponse(ServiceInstance instance, Scheduler scheduler, Decision decision) {
		this(instance, scheduler, decision, Set.of(), null);
	}

	/**
	 * Create a response that admission may move to another instance of the service (a
	 * keyless request, or a hot flow's excess one, that waited in the service's queue for
	 * any fit instance).
	 * @param instance the chosen instance
	 * @param scheduler the scheduler that decided
	 * @param decision its decision
	 * @param excluded the instances the request must not use
	 * @param instances the service's instances by id, as the load balancer knows them
	 */
	public LatencyLbResponse(ServiceInstance instance, Scheduler scheduler, Decision decision, Set<String> excluded,
			@Nullable Function<String, @Nullable ServiceInstance> instances) {
		super(instance);
		this.instance = instance;
		this.scheduler = scheduler;
		this.decision = decision;
		this.excluded = excluded;
		this.instances = instances;
	}

	@Override
	public ServiceInstance getServer() {
		return this.instance;
	}

	@Override
	public boolean hasServer() {
		return true;
	}

	/**
	 * Return the decision behind this response: the instance the attempt goes to.
	 * @return the decision
	 */
	public Decision getDecision() {
		return this.decision;
	}

	/**
	 * Return the instances the request must not use (a retry's failed ones, those its
	 * instance list did not offer).
	 * @return the excluded instance ids
	 */
	public Set<String> getExcluded() {
		return this.excluded;
	}

	/**
	 * Return whether admission may move the attempt to another instance.
	 * @return whether the load balancer's instances are known
	 */
	public boolean canRetarget() {
		return this.instances != null;
	}

	/**
	 * Move the attempt, before it starts, to another instance of the service: the one
	 * whose permit it got after waiting for any. The decision, the in-flight lease and
	 * the instance Gateway sends the request to all name that instance.
	 * @param decision the decision for that instance
	 * @return whether it moved; {@code false} when the load balancer no longer knows the
	 * instance
	 */
	public boolean retarget(Decision decision) {
		if (decision.instanceId().equals(this.decision.instanceId())) {
			return true;
		}
		ServiceInstance instance = (this.instances != null) ? this.instances.apply(decision.instanceId()) : null;
		if (instance == null) {
			return false;
		}
		this.instance = instance;
		this.decision = decision;
		return true;
	}

	/**
	 * Return the scheduler that decided.
	 * @return the scheduler
	 */
	public Scheduler getScheduler() {
		return this.scheduler;
	}

	/**
	 * Count the request in flight on the chosen instance.
	 * @return the lease, to be released exactly once
	 */
	public Lease start() {
		Lease lease = this.scheduler.start(this.decision);
		Lease previous = LEASE.getAndSet(this, lease);
		if (previous != null) {
			// Started twice (a choice admitted twice): only the last lease counts.
			previous.release();
		}
		if (this.ended != 0) {
			// Ended meanwhile (cancelled): nothing to record.
			lease.release();
		}
		return lease;
	}

	/**
	 * The response headers arrived or are being committed: the latency sample ends.
	 */
	public void responded() {
		Lease lease = this.lease;
		if (lease != null) {
			lease.responded();
		}
	}

	/**
	 * Hold an admission permit until the attempt ends. If it already ended, the permit is
	 * given back at once.
	 * @param release gives the permit back; called exactly once
	 */
	public void holdPermit(Runnable release) {
		this.permit = release;
		if (this.ended != 0) {
			releasePermit();
		}
	}

	/**
	 * Return whether the attempt took a permit ({@link #holdPermit}), held or given back
	 * since.
	 * @return whether a permit was taken
	 */
	public boolean tookPermit() {
		return this.permit != null;
	}

	/**
	 * Replace the permit held by another one (a request permit by a stream permit),
	 * giving the first back. If the attempt already ended, {@code next} is given back at
	 * once.
	 * @param next gives the new permit back; called exactly once
	 */
	public void swapPermit(Runnable next) {
		Runnable previous = this.permit;
		if (previous == RELEASED || !PERMIT.compareAndSet(this, previous, next)) {
			next.run();
			return;
		}
		if (previous != null) {
			previous.run();
		}
		if (this.ended != 0) {
			releasePermit();
		}
	}

	/**
	 * Return whether the attempt ended.
	 * @return whether {@link #end} ran
	 */
	public boolean isEnded() {
		return this.ended != 0;
	}

	/**
	 * End the attempt, exactly once (later calls do nothing): record its outcome on the
	 * lease and give back the lease and the permit. {@link End#COMPLETE} records the
	 * response's status (5xx a failure, 503 overload), {@link End#FAILURE} a failure, and
	 * {@link End#CANCELLED} the status only if the response headers had arrived.
	 * @param end how the attempt ended
	 * @param status the response status, if any
	 */
	public void end(End end, @Nullable HttpStatusCode status) {
		if (!ENDED.compareAndSet(this, 0, 1)) {
			return;
		}
		try {
			Lease lease = this.lease;
			if (lease != null) {
				try {
					if (end == End.FAILURE) {
						lease.recordFailure();
					}
					else if (end == End.COMPLETE || lease.hasResponded()) {
						record(lease, status);
					}
				}
				finally {
					lease.release();
				}
			}
		}
		finally {
			releasePermit();
		}
	}

	private void releasePermit() {
		Runnable release = PERMIT.getAndSet(this, RELEASED);
		if (release != null) {
			release.run();
		}
	}

	/**
	 * 5xx is a failure, except 503: an overloaded instance asking to be spared is a slow
	 * sample but never a step towards ejection.
	 * @param lease the lease of the request
	 * @param status the response status, {@code null} if none was received
	 */
	private static void record(Lease lease, @Nullable HttpStatusCode status) {
		if (status != null && status.value() == 503) {
			lease.recordOverload();
		}
		else {
			lease.recordResponse(status != null && status.is5xxServerError());
		}
	}

	/**
	 * How an attempt ended.
	 */
	public enum End {

		/** The response is over (or was dropped for a retry): its status counts. */
		COMPLETE,

		/** Failed: no response, or its body broke off. */
		FAILURE,

		/** The client gave up. */
		CANCELLED

	}

}
