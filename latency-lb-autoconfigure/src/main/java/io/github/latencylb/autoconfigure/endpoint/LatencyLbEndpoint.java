package io.github.latencylb.autoconfigure.endpoint;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.InstanceAdmission;
import io.github.latencylb.autoconfigure.state.AdmissionStateProvider.Permits;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.InstanceState;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerSnapshot;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * Actuator endpoint {@code latencylb}: every scheduled service with a summary, and per
 * service what its scheduler sees of each instance (state, weights, latency, load, flows
 * held, ring share) and why it chose so far (decisions by reason, flow moves by cause).
 * Never shows a flow key.
 * <p>
 * The write operation drains an instance (no new flow, no keyless request; its flows stay
 * until idle, then go home or elsewhere) or makes it active again. The endpoint's default
 * access is {@link Access#READ_ONLY}, so the write operation exists only when
 * {@code management.endpoint.latencylb.access=unrestricted}; secure it before enabling
 * it.
 */
@Endpoint(id = "latencylb", defaultAccess = Access.READ_ONLY)
public class LatencyLbEndpoint {

	private final SchedulerRegistry registry;

	private final InstanceUriResolver uris;

	private final AdmissionStateProvider admission;

	/**
	 * Create an endpoint.
	 * @param registry the schedulers of every service
	 * @param uris where instances are
	 * @param admission queue, bulkhead and retry-budget state
	 * ({@link AdmissionStateProvider#NONE} without admission)
	 */
	public LatencyLbEndpoint(SchedulerRegistry registry, InstanceUriResolver uris, AdmissionStateProvider admission) {
		this.registry = registry;
		this.uris = uris;
		this.admission = admission;
	}

	/**
	 * Return every service scheduled so far, with a summary.
	 * @return the services by id
	 */
	@ReadOperation
	public ServicesDescriptor services() {
		Map<String, ServiceSummary> services = new LinkedHashMap<>();
		this.registry.schedulers().forEach((id, scheduler) -> services.put(id, summary(scheduler.snapshot())));
		return new ServicesDescriptor(services);
	}

	/**
	 * Return the state of one service and its instances.
	 * @param serviceId the service id
	 * @return the service, or {@code null} (404) when it was never scheduled
	 */
	@ReadOperation
	public @Nullable ServiceDescriptor service(@Selector String serviceId) {
		Scheduler scheduler = this.registry.find(serviceId);
		return (scheduler != null) ? describe(scheduler.snapshot()) : null;
	}

	/**
	 * Drain one instance or make it active again.
	 * @param serviceId the service id
	 * @param instance the instance id
	 * @param state {@code draining} or {@code active}
	 * @return the instance as it is now
	 * @throws InvalidEndpointRequestException (400) for an unknown service or instance,
	 * or another state
	 */
	@WriteOperation
	public InstanceDescriptor setState(@Selector String serviceId, String instance, String state) {
		boolean draining = switch (state.trim().toLowerCase(Locale.ROOT)) {
			case "draining" -> true;
			case "active" -> false;
			default -> throw new InvalidEndpointRequestException(
					"State must be 'draining' or 'active', not '" + state + "'", "Invalid state");
		};
		Scheduler scheduler = this.registry.find(serviceId);
		if (scheduler == null || !scheduler.setDraining(instance, draining)) {
			throw new InvalidEndpointRequestException("No instance '" + instance + "' in service '" + serviceId + "'",
					"Unknown instance");
		}
		SchedulerSnapshot snapshot = scheduler.snapshot();
		SchedulerSnapshot.Instance view = snapshot.instance(instance);
		if (view == null) {
			// Left the fleet in between.
			throw new InvalidEndpointRequestException("No instance '" + instance + "' in service '" + serviceId + "'",
					"Unknown instance");
		}
		return describe(serviceId, view, this.uris.urisOf(serviceId));
	}

	private ServiceSummary summary(SchedulerSnapshot snapshot) {
		Map<String, Integer> states = new LinkedHashMap<>();
		int slow = 0;
		for (SchedulerSnapshot.Instance instance : snapshot.instances()) {
			states.merge(tag(instance.state()), 1, Integer::sum);
			slow += instance.slow() ? 1 : 0;
		}
		long decisions = snapshot.decisions().values().stream().mapToLong(Long::longValue).sum();
		long moves = snapshot.moves().values().stream().mapToLong(Long::longValue).sum();
		return new ServiceSummary(snapshot.instances().size(), states, slow, snapshot.inflight(),
				snapshot.flowTableSize(), decisions, moves);
	}

	private ServiceDescriptor describe(SchedulerSnapshot snapshot) {
		String serviceId = snapshot.serviceId();
		Map<String, URI> uris = this.uris.urisOf(serviceId);
		List<InstanceDescriptor> instances = new ArrayList<>();
		for (SchedulerSnapshot.Instance instance : snapshot.instances()) {
			instances.add(describe(serviceId, instance, uris));
		}
		instances.sort((a, b) -> a.id().compareTo(b.id()));
		Map<String, Long> decisions = new LinkedHashMap<>();
		for (DecisionReason reason : DecisionReason.values()) {
			decisions.put(reason.tag(), snapshot.decisions().getOrDefault(reason, 0L));
		}
		Map<String, Long> moves = new LinkedHashMap<>();
		for (MoveCause cause : MoveCause.values()) {
			moves.put(cause.tag(), snapshot.moves().getOrDefault(cause, 0L));
		}
		OptionalDouble budget = this.admission.retryBudgetLeft(serviceId);
		OptionalInt serviceQueue = this.admission.serviceQueueLength(serviceId);
		return new ServiceDescriptor(serviceId, snapshot.inflight(), snapshot.flowTableSize(), decisions,
				new FlowMoves(moves, snapshot.deferredMoves()), budget.isPresent() ? budget.getAsDouble() : null,
				serviceQueue.isPresent() ? serviceQueue.getAsInt() : null, instances);
	}

	private InstanceDescriptor describe(String serviceId, SchedulerSnapshot.Instance instance, Map<String, URI> uris) {
		Latency latency = new Latency((instance.peakEwmaNanos() >= 0) ? millis(instance.peakEwmaNanos()) : null,
				(instance.samples() > 0) ? millis(instance.p50Nanos()) : null,
				(instance.samples() > 0) ? millis(instance.p99Nanos()) : null, instance.samples(),
				millis(instance.oldestOutstandingNanos()));
		InstanceAdmission admission = this.admission.instance(serviceId, instance.id());
		Map<Integer, Integer> queueLengths = (admission != null) ? new TreeMap<>(admission.queueLengths()) : null;
		Permits bulkhead = (admission != null) ? admission.bulkhead() : null;
		return new InstanceDescriptor(instance.id(), uris.get(instance.id()), tag(instance.state()), instance.slow(),
				instance.weight(), round(instance.effectiveWeight(), 3), latency, instance.inflight(), queueLengths,
				bulkhead, new Flows(instance.homeFlows(), instance.pinnedFlows()), round(instance.ringShare(), 4),
				instance.consecutiveFailures());
	}

	private static String tag(InstanceState state) {
		return state.name().toLowerCase(Locale.ROOT);
	}

	private static double millis(double nanos) {
		return round(nanos / 1_000_000.0, 3);
	}

	private static double round(double value, int digits) {
		double scale = Math.pow(10, digits);
		return Math.round(value * scale) / scale;
	}

	/**
	 * Every scheduled service.
	 *
	 * @param services summaries by service id
	 */
	public record ServicesDescriptor(Map<String, ServiceSummary> services) {
	}

	/**
	 * Summary of one service.
	 *
	 * @param instances instances known to its scheduler
	 * @param states instance count by state ({@code warming}, {@code active},
	 * {@code draining}, {@code ejected})
	 * @param slowInstances instances judged slow now
	 * @param inflight requests in flight
	 * @param flowTableSize flows in the flow table
	 * @param decisions decisions so far
	 * @param flowMoves flow moves so far
	 */
	public record ServiceSummary(int instances, Map<String, Integer> states, int slowInstances, int inflight,
			long flowTableSize, long decisions, long flowMoves) {
	}

	/**
	 * One service and its instances.
	 *
	 * @param service the service id
	 * @param inflight requests in flight on all instances
	 * @param flowTableSize flows in the flow table
	 * @param decisions decisions so far by reason
	 * @param flowMoves flow moves so far by cause
	 * @param retryBudgetLeft retries the budget allows now; absent without a retry budget
	 * @param serviceQueueLength requests without a flow key waiting for any fit instance
	 * (the service's queue); absent without a service queue
	 * @param instances the instances, by id
	 */
	public record ServiceDescriptor(String service, int inflight, long flowTableSize, Map<String, Long> decisions,
			FlowMoves flowMoves, @Nullable Double retryBudgetLeft, @Nullable Integer serviceQueueLength,
			List<InstanceDescriptor> instances) {
	}

	/**
	 * Flow moves of a service.
	 *
	 * @param byCause moves so far by cause ({@code slow}, {@code unavailable},
	 * {@code retry})
	 * @param deferred moves off a slow instance postponed because the move budget was
	 * spent
	 */
	public record FlowMoves(Map<String, Long> byCause, long deferred) {
	}

	/**
	 * One instance as its scheduler sees it.
	 *
	 * @param id stable instance id
	 * @param uri where it is; absent when unknown
	 * @param state {@code warming}, {@code active}, {@code draining} or {@code ejected}
	 * @param slow whether it is judged slow now (its flows may move)
	 * @param weight configured weight
	 * @param effectiveWeight weight after slow start
	 * @param latency latency figures
	 * @param inflight requests in flight
	 * @param queueLengths requests waiting for admission by priority class; absent
	 * without admission
	 * @param bulkhead bulkhead permits; absent without admission
	 * @param flows flows it holds
	 * @param ringShare fraction of the hash space it owns
	 * @param consecutiveFailures failures in a row
	 */
	public record InstanceDescriptor(String id, @Nullable URI uri, String state, boolean slow, int weight,
			double effectiveWeight, Latency latency, int inflight, @Nullable Map<Integer, Integer> queueLengths,
			@Nullable Permits bulkhead, Flows flows, double ringShare, int consecutiveFailures) {
	}

	/**
	 * Latency of an instance, in milliseconds.
	 *
	 * @param peakEwmaMs peak EWMA; absent before the first sample
	 * @param p50Ms windowed median; absent when the window is empty
	 * @param p99Ms windowed 99th percentile; absent when the window is empty
	 * @param samples samples in the window
	 * @param oldestOutstandingMs age of the oldest request in flight, 0 when none
	 */
	public record Latency(@Nullable Double peakEwmaMs, @Nullable Double p50Ms, @Nullable Double p99Ms, long samples,
			double oldestOutstandingMs) {
	}

	/**
	 * Flows an instance holds. Counts only, never keys.
	 *
	 * @param home flows whose ring home it is
	 * @param pinned flows pinned to it after a fallback
	 */
	public record Flows(int home, int pinned) {
	}

}
