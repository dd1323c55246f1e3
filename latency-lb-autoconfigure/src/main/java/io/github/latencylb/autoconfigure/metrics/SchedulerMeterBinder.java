package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.InstanceAdmission;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerSnapshot;
import io.github.latencylb.core.TopologyPhase;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Binds the meters of every scheduler in a {@link SchedulerRegistry}, including those
 * created after binding:
 * <ul>
 * <li>{@code latencylb.decisions} (service, reason) and {@code latencylb.flow.moves}
 * (service, cause): function counters over the scheduler's own counters;</li>
 * <li>{@code latencylb.flow.table.size} (service): flows in the flow table;</li>
 * <li>{@code latencylb.service.queue.length} (service): requests without a flow key
 * waiting for any fit instance (0 without a service queue);</li>
 * <li>per instance (service, instance): {@code latencylb.instance.latency} (peak EWMA,
 * seconds; NaN before the first sample), {@code latencylb.instance.inflight},
 * {@code latencylb.instance.queue.length} (0 without admission) and
 * {@code latencylb.instance.flows} (with kind {@code home} or {@code pinned}).</li>
 * </ul>
 * Instance gauges follow the instance set: they are added when an instance appears and
 * removed when it leaves. Tag values are service ids, instance ids and enum tags only.
 * Gauges of one service share a snapshot of its scheduler for a short time, so that a
 * scrape takes one snapshot per service.
 */
public class SchedulerMeterBinder implements MeterBinder {

	/** Function counter of decisions, tags service and reason. */
	public static final String DECISIONS = "latencylb.decisions";

	/** Function counter of flow moves, tags service and cause. */
	public static final String FLOW_MOVES = "latencylb.flow.moves";

	/** Gauge of the flow table's size, tag service. */
	public static final String FLOW_TABLE_SIZE = "latencylb.flow.table.size";

	/** Gauge of the service queue's length (keyless requests waiting), tag service. */
	public static final String SERVICE_QUEUE_LENGTH = "latencylb.service.queue.length";

	/** Gauge of an instance's peak-EWMA latency in seconds, tags service and instance. */
	public static final String INSTANCE_LATENCY = "latencylb.instance.latency";

	/** Gauge of an instance's requests in flight, tags service and instance. */
	public static final String INSTANCE_INFLIGHT = "latencylb.instance.inflight";

	/** Gauge of an instance's admission queue length, tags service and instance. */
	public static final String INSTANCE_QUEUE_LENGTH = "latencylb.instance.queue.length";

	/** Gauge of the flows an instance holds, tags service, instance and kind. */
	public static final String INSTANCE_FLOWS = "latencylb.instance.flows";

	private static final Log logger = LogFactory.getLog(SchedulerMeterBinder.class);

	private final SchedulerRegistry schedulers;

	private final AdmissionStateProvider admission;

	private final long snapshotTtlNanos;

	/**
	 * Create a binder.
	 * @param schedulers the schedulers to watch
	 * @param admission admission state for queue lengths
	 */
	public SchedulerMeterBinder(SchedulerRegistry schedulers, AdmissionStateProvider admission) {
		this(schedulers, admission, Duration.ofMillis(250));
	}

	/**
	 * Create a binder.
	 * @param schedulers the schedulers to watch
	 * @param admission admission state for queue lengths
	 * @param snapshotTtl how long gauges of a service reuse one snapshot
	 */
	public SchedulerMeterBinder(SchedulerRegistry schedulers, AdmissionStateProvider admission, Duration snapshotTtl) {
		this.schedulers = schedulers;
		this.admission = admission;
		this.snapshotTtlNanos = snapshotTtl.toNanos();
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Set<Scheduler> bound = ConcurrentHashMap.newKeySet();
		this.schedulers.addListener((scheduler) -> {
			if (bound.add(scheduler)) {
				new ServiceMeters(registry, scheduler).bind();
			}
		});
	}

	/**
	 * The meters of one scheduler in one registry.
	 */
	private final class ServiceMeters {

		private final MeterRegistry registry;

		private final Scheduler scheduler;

		private final Tags serviceTags;

		private final Map<String, List<Meter>> instanceMeters = new HashMap<>();

		private volatile @Nullable Snapshot snapshot;

		ServiceMeters(MeterRegistry registry, Scheduler scheduler) {
			this.registry = registry;
			this.scheduler = scheduler;
			this.serviceTags = Tags.of("service", scheduler.serviceId());
		}

		void bind() {
			for (DecisionReason reason : DecisionReason.values()) {
				FunctionCounter.builder(DECISIONS, this.scheduler, (s) -> s.counters().decisions(reason))
					.description("Scheduling decisions by reason")
					.tags(this.serviceTags)
					.tag("reason", reason.tag())
					.register(this.registry);
			}
			for (MoveCause cause : MoveCause.values()) {
				FunctionCounter.builder(FLOW_MOVES, this.scheduler, (s) -> s.counters().moves(cause))
					.description("Flows that left their instance, by cause")
					.tags(this.serviceTags)
					.tag("cause", cause.tag())
					.register(this.registry);
			}
			Gauge.builder(FLOW_TABLE_SIZE, this, (m) -> m.snapshot().flowTableSize)
				.description("Flows in the flow table")
				.tags(this.serviceTags)
				.strongReference(true)
				.register(this.registry);
			Gauge.builder(SERVICE_QUEUE_LENGTH, this, (m) -> m.serviceQueueLength())
				.description("Requests without a flow key waiting for any fit instance")
				.tags(this.serviceTags)
				.strongReference(true)
				.register(this.registry);
			this.scheduler.addTopologyListener(TopologyPhase.PUBLISHED, this::reconcile);
		}

		private double serviceQueueLength() {
			return SchedulerMeterBinder.this.admission.serviceQueueLength(this.scheduler.serviceId()).orElse(0);
		}

		/**
		 * Add gauges of new instances and remove those of departed ones. Called by the
		 * scheduler, in order, on every change of its instance set.
		 * @param ids the current instance ids
		 */
		private synchronized void reconcile(Set<String> ids) {
			try {
				this.instanceMeters.entrySet().removeIf((entry) -> {
					if (ids.contains(entry.getKey())) {
						return false;
					}
					entry.getValue().forEach(this.registry::remove);
					return true;
				});
				for (String id : ids) {
					this.instanceMeters.computeIfAbsent(id, this::register);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("latency-lb: could not update the gauges of service '" + this.scheduler.serviceId() + "'",
						ex);
			}
		}

		private List<Meter> register(String id) {
			Tags tags = this.serviceTags.and("instance", id);
			List<Meter> meters = new ArrayList<>(5);
			meters.add(gauge(INSTANCE_LATENCY, "Peak-EWMA latency of the instance", tags, "seconds",
					(m) -> m.latencySeconds(id)));
			meters.add(gauge(INSTANCE_INFLIGHT, "Requests in flight on the instance", tags, null,
					(m) -> m.value(id, (i) -> i.inflight())));
			meters.add(gauge(INSTANCE_QUEUE_LENGTH, "Requests waiting for admission to the instance", tags, null,
					(m) -> m.queueLength(id)));
			meters.add(gauge(INSTANCE_FLOWS, "Flows the instance holds, by kind", tags.and("kind", "home"), null,
					(m) -> m.value(id, (i) -> i.homeFlows())));
			meters.add(gauge(INSTANCE_FLOWS, "Flows the instance holds, by kind", tags.and("kind", "pinned"), null,
					(m) -> m.value(id, (i) -> i.pinnedFlows())));
			return meters;
		}

		private Gauge gauge(String name, String description, Tags tags, @Nullable String unit,
				ToDoubleFunction<ServiceMeters> value) {
			return Gauge.builder(name, this, value)
				.description(description)
				.tags(tags)
				.baseUnit(unit)
				.strongReference(true)
				.register(this.registry);
		}

		private double latencySeconds(String id) {
			SchedulerSnapshot.Instance instance = snapshot().instances.get(id);
			if (instance == null || instance.peakEwmaNanos() < 0) {
				return Double.NaN;
			}
			return instance.peakEwmaNanos() / 1e9;
		}

		private double value(String id, ToDoubleFunction<SchedulerSnapshot.Instance> field) {
			SchedulerSnapshot.Instance instance = snapshot().instances.get(id);
			return (instance != null) ? field.applyAsDouble(instance) : Double.NaN;
		}

		private double queueLength(String id) {
			InstanceAdmission state = SchedulerMeterBinder.this.admission.instance(this.scheduler.serviceId(), id);
			return (state != null) ? state.totalQueueLength() : 0;
		}

		private Snapshot snapshot() {
			Snapshot current = this.snapshot;
			long now = System.nanoTime();
			if (current != null && now - current.takenAt < SchedulerMeterBinder.this.snapshotTtlNanos) {
				return current;
			}
			SchedulerSnapshot taken = this.scheduler.snapshot();
			Map<String, SchedulerSnapshot.Instance> byId = new HashMap<>();
			taken.instances().forEach((instance) -> byId.put(instance.id(), instance));
			current = new Snapshot(byId, taken.flowTableSize(), now);
			this.snapshot = current;
			return current;
		}

	}

	private record Snapshot(Map<String, SchedulerSnapshot.Instance> instances, long flowTableSize, long takenAt) {
	}

}
