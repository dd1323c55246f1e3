package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.Scheduler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Spring Cloud LoadBalancer adapter of the latency-lb {@link Scheduler}: hands the
 * service's instance list to the scheduler and asks it to choose, with the flow-key hash
 * and excluded instances that the gateway filters put in the request attributes. Never
 * blocks.
 */
public class LatencyAwareLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	private static final Log logger = LogFactory.getLog(LatencyAwareLoadBalancer.class);

	private final ObjectProvider<ServiceInstanceListSupplier> suppliers;

	private final String serviceId;

	private final Scheduler scheduler;

	private volatile KnownInstances known = new KnownInstances(List.of(), Map.of(), new String[0], new int[0]);

	/** The instances of the last list by id: where a waiting keyless request may go. */
	private final Function<String, @Nullable ServiceInstance> byId = (id) -> this.known.byId.get(id);

	private volatile @Nullable SupplierChain chain;

	/** Whether the last list was empty: warn once per outage, not per request. */
	private final AtomicBoolean empty = new AtomicBoolean();

	/** Whether the service's missing supplier bean was reported. */
	private final AtomicBoolean noSupplier = new AtomicBoolean();

	/**
	 * Create a load balancer for one service.
	 * @param suppliers the service's instance list supplier
	 * @param serviceId the service id
	 * @param scheduler the service's scheduler
	 */
	public LatencyAwareLoadBalancer(ObjectProvider<ServiceInstanceListSupplier> suppliers, String serviceId,
			Scheduler scheduler) {
		this.suppliers = suppliers;
		this.serviceId = serviceId;
		this.scheduler = scheduler;
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		SupplierChain chain;
		try {
			chain = chain();
		}
		catch (IllegalStateException ex) {
			return Mono.error(ex);
		}
		Map<String, Object> attributes = attributes(request);
		// No attributes (a request from outside the gateway, without a flow key): no
		// context to look for.
		LatencyLbRequestContext context = attributes.isEmpty() ? null : LatencyLbRequestContext.of(attributes);
		if (chain.requestScoped) {
			// The instance set comes from the request-independent list; this request may
			// use only what its own list offers (e.g. instances matching its hint).
			return Mono.zip(chain.supplier.get().next(), chain.supplier.get(request).next())
				.flatMap((lists) -> begin(choose(lists.getT1(), attributes, context,
						SupplierChain.notOffered(lists.getT1(), lists.getT2())), context));
		}
		Mono<List<ServiceInstance>> instances = chain.supplier.get(request).next();
		if (context == null) {
			return instances.map((list) -> choose(list, attributes, null, Set.of()));
		}
		return instances.flatMap((list) -> begin(choose(list, attributes, context, Set.of()), context));
	}

	/**
	 * A gateway request (one with a {@link LatencyLbRequestContext}) is admitted on the
	 * chosen instance and counted in flight there before the response is given to
	 * Gateway.
	 * @param response the scheduler's choice
	 * @param context the request's context, {@code null} outside the gateway
	 * @return the response, once admitted; an error when admission fails
	 */
	@SuppressWarnings({ "rawtypes", "unchecked" })
	private static Mono<Response<ServiceInstance>> begin(Response<ServiceInstance> response,
			@Nullable LatencyLbRequestContext context) {
		if (context != null && response instanceof LatencyLbResponse attempt) {
			return (Mono) context.begin(attempt);
		}
		return Mono.just(response);
	}

	/**
	 * Choose among a given instance list. An empty list releases the scheduler's state of
	 * the departed instances and gives an empty response, which Spring Cloud Gateway
	 * answers with 503 ({@code ReactiveLoadBalancerClientFilter}); it is logged once, and
	 * again only after the service had instances again.
	 * @param instances the instances
	 * @param attributes the request attributes: the gateway's
	 * {@link LatencyLbRequestContext} (flow-key hash, excluded instances), else an
	 * optional {@link LatencyLbAttributes#FLOW_KEY_HASH}
	 * @return the response
	 */
	public Response<ServiceInstance> choose(List<ServiceInstance> instances, Map<String, Object> attributes) {
		return choose(instances, attributes, LatencyLbRequestContext.of(attributes), Set.of());
	}

	private Response<ServiceInstance> choose(List<ServiceInstance> instances, Map<String, Object> attributes,
			@Nullable LatencyLbRequestContext context, Set<String> notOffered) {
		if (instances.isEmpty()) {
			if (this.empty.compareAndSet(false, true)) {
				this.known = new KnownInstances(instances, Map.of(), new String[0], new int[0]);
				this.scheduler.updateInstances(List.of());
				logger.warn("latency-lb: service '" + this.serviceId
						+ "' has no instance; requests get 503 until discovery lists one");
			}
			return new EmptyResponse();
		}
		if (this.empty.get()) {
			this.empty.set(false);
		}
		KnownInstances known = update(instances);
		Object key = (context != null) ? null : attributes.get(LatencyLbAttributes.FLOW_KEY_HASH);
		boolean keyed = (context != null) ? context.isKeyed() : key instanceof Long;
		long hash = (context != null) ? context.getFlowKeyHash() : (keyed ? (Long) key : 0);
		Set<String> excluded = (context != null) ? context.getExcluded() : Set.of();
		if (!notOffered.isEmpty()) {
			excluded = new HashSet<>(excluded);
			excluded.addAll(notOffered);
		}
		Decision decision = keyed ? this.scheduler.chooseForFlow(hash, excluded)
				: this.scheduler.chooseKeyless(excluded);
		if (decision == null) {
			return new EmptyResponse();
		}
		// The instance objects travel with the scheduler's instances as their tags: no
		// lookup by id on the hot path.
		ServiceInstance instance = (decision.instanceTag() instanceof ServiceInstance tagged) ? tagged
				: known.byId.get(decision.instanceId());
		if (instance == null) {
			return new EmptyResponse();
		}
		if (logger.isTraceEnabled()) {
			logger.trace(this.serviceId + " -> " + decision);
		}
		return new LatencyLbResponse(instance, this.scheduler, decision, excluded, this.byId);
	}

	/**
	 * Return the service's scheduler.
	 * @return the scheduler
	 */
	public Scheduler getScheduler() {
		return this.scheduler;
	}

	/**
	 * Return the instances of the last list this load balancer chose from, by stable id
	 * (see {@link InstanceIds}), e.g. for the actuator endpoint to show their URIs.
	 * @return an unmodifiable map, empty before the first request
	 */
	public Map<String, ServiceInstance> getInstances() {
		return Collections.unmodifiableMap(this.known.byId);
	}

	/**
	 * The service's supplier chain, resolved once: resolving it through the bean factory
	 * on every request costs more than the whole scheduling decision.
	 * @return the supplier chain
	 */
	private SupplierChain chain() {
		SupplierChain chain = this.chain;
		if (chain == null) {
			ServiceInstanceListSupplier supplier = this.suppliers.getIfAvailable();
			if (supplier == null) {
				if (this.noSupplier.compareAndSet(false, true)) {
					logger.warn("latency-lb: service '" + this.serviceId + "' has no ServiceInstanceListSupplier bean, "
							+ "so it never gets an instance. A spring.cloud.loadbalancer.configurations value "
							+ "creates its supplier only if the beans it needs exist: health-check needs a "
							+ "WebClient.Builder bean (on Spring Boot 4, add spring-boot-starter-webclient); "
							+ "see docs/suppliers.md");
				}
				return SupplierChain.of(this.serviceId, new NoopServiceInstanceListSupplier());
			}
			chain = SupplierChain.of(this.serviceId, supplier);
			this.chain = chain;
		}
		return chain;
	}

	private KnownInstances update(List<ServiceInstance> instances) {
		KnownInstances known = this.known;
		if (known.source == instances) {
			return known;
		}
		if (known.sameAs(instances)) {
			// Kept to compare by identity: a caching supplier hands this list out until
			// its next refresh, and each request would check it again otherwise.
			KnownInstances adopted = known.withSource(instances);
			this.known = adopted;
			return adopted;
		}
		Map<String, ServiceInstance> byId = new HashMap<>();
		List<WeightedInstance> weighted = new ArrayList<>(instances.size());
		String[] ids = new String[instances.size()];
		int[] weights = new int[instances.size()];
		int i = 0;
		for (ServiceInstance instance : instances) {
			ids[i] = InstanceIds.idOf(instance);
			weights[i] = InstanceIds.weightOf(instance);
			if (byId.putIfAbsent(ids[i], instance) == null) {
				weighted.add(new WeightedInstance(ids[i], weights[i], instance));
			}
			i++;
		}
		// Publish the id map before the scheduler can return a new id.
		known = new KnownInstances(instances, byId, ids, weights);
		this.known = known;
		boolean changed = this.scheduler.updateInstances(weighted);
		known.applied = true;
		if (changed && logger.isInfoEnabled()) {
			logger.info("latency-lb: service '" + this.serviceId + "' now has instances " + byId.keySet());
		}
		return known;
	}

	@SuppressWarnings("rawtypes")
	private static Map<String, Object> attributes(Request request) {
		if (request != null && request.getContext() instanceof RequestDataContext context
				&& context.getClientRequest() != null && context.getClientRequest().getAttributes() != null) {
			return context.getClientRequest().getAttributes();
		}
		return Collections.emptyMap();
	}

}
