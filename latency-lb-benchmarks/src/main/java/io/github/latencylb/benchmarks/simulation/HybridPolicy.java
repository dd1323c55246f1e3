package io.github.latencylb.benchmarks.simulation;

import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.AdmissionView;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.Lease;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;

/**
 * latency-lb's hybrid: the core {@link Scheduler} with its default configuration, used
 * exactly as the gateway uses it: {@code chooseForFlow} or {@code chooseKeyless},
 * {@code start}, then {@code recordResponse} and {@code release} when the exchange ends.
 * <p>
 * Without an admission view the instance queue is the backend's own: the lease starts
 * when the request is sent, and a request the backend rejects is a failed response (a
 * 503). With an admission view the queue is the starter's admission queue: as in its
 * filter chain the lease starts only once a permit is granted (queueing is not the
 * instance's latency), and a request rejected by the queue never reaches the instance and
 * records nothing.
 */
final class HybridPolicy implements Policy {

	private final Scheduler scheduler;

	private final boolean gatewayAdmission;

	HybridPolicy(NanoClock clock, RandomGenerator random, AdmissionView admission) {
		this.scheduler = new Scheduler("simulated", SchedulerConfig.ofDefaults(), clock, random);
		this.scheduler.setAdmissionView(admission);
		this.gatewayAdmission = admission != AdmissionView.NONE;
	}

	@Override
	public void instancesChanged(List<String> ids) {
		this.scheduler.updateInstances(ids.stream().map((id) -> new WeightedInstance(id, 1)).toList());
	}

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		Decision decision = keyless ? this.scheduler.chooseKeyless(Set.of())
				: this.scheduler.chooseForFlow(flowHash, Set.of());
		boolean forced = decision.moveCause() == MoveCause.UNAVAILABLE;
		return new Pick() {

			private Lease lease = HybridPolicy.this.gatewayAdmission ? null
					: HybridPolicy.this.scheduler.start(decision);

			@Override
			public String instanceId() {
				return decision.instanceId();
			}

			@Override
			public boolean forcedMove() {
				return forced;
			}

			@Override
			public void admitted() {
				if (this.lease == null) {
					this.lease = HybridPolicy.this.scheduler.start(decision);
				}
			}

			@Override
			public void completed(boolean failure) {
				if (this.lease != null) {
					// Every simulated failure is overload (a full or timed-out queue, a
					// 503), which
					// the starter records as overload: a slow sample that never ejects.
					if (failure) {
						this.lease.recordOverload();
					}
					else {
						this.lease.recordResponse(false);
					}
					this.lease.release();
				}
			}

		};
	}

	/**
	 * Return the scheduler's own counts: flow moves by cause, moves deferred by the move
	 * budget, and requests that overflowed a saturated instance.
	 * @return a short summary
	 */
	String details() {
		StringBuilder text = new StringBuilder();
		for (MoveCause cause : MoveCause.values()) {
			text.append("moves ")
				.append(cause.tag())
				.append('=')
				.append(this.scheduler.counters().moves(cause))
				.append(", ");
		}
		text.append("deferred=").append(this.scheduler.snapshot().deferredMoves());
		text.append(", overflow=").append(this.scheduler.counters().decisions(DecisionReason.OVERFLOW));
		return text.toString();
	}

	/**
	 * Return the scheduler, for tests and reports.
	 * @return the scheduler
	 */
	Scheduler scheduler() {
		return this.scheduler;
	}

}
