package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.HintBasedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RequestBasedStickySessionServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SameInstancePreferenceServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightedServiceInstanceListSupplier;

/**
 * What latency-lb makes of a service's {@link ServiceInstanceListSupplier} chain, however
 * it was built (a {@code spring.cloud.loadbalancer.configurations} value or a user's own
 * {@code ServiceInstanceListSupplier.builder()} chain). See {@code docs/suppliers.md}.
 * <ul>
 * <li>A sticky supplier ({@link SameInstancePreferenceServiceInstanceListSupplier},
 * {@link RequestBasedStickySessionServiceInstanceListSupplier}) is refused: it would be a
 * second affinity besides latency-lb's.</li>
 * <li>An outermost {@link WeightedServiceInstanceListSupplier} is skipped: it only
 * repeats each instance by its weight, for round robin; latency-lb reads metadata
 * {@code weight} itself, and the repeated list would be re-read on every request. A
 * weighted supplier deeper in the chain is harmless: repeated instances are taken
 * once.</li>
 * <li>A {@link HintBasedServiceInstanceListSupplier} makes the chain request-scoped: its
 * list depends on each request's hint header, so the scheduler's instance set comes from
 * the request-independent list and each request is restricted to its own list.</li>
 * </ul>
 */
final class SupplierChain {

	private static final Log logger = LogFactory.getLog(SupplierChain.class);

	final ServiceInstanceListSupplier supplier;

	final boolean requestScoped;

	private SupplierChain(ServiceInstanceListSupplier supplier, boolean requestScoped) {
		this.supplier = supplier;
		this.requestScoped = requestScoped;
	}

	/**
	 * Inspect a service's chain.
	 * @param serviceId the service id
	 * @param supplier the outermost supplier
	 * @return the supplier latency-lb uses and how
	 * @throws IllegalStateException if the chain holds a sticky supplier
	 */
	static SupplierChain of(String serviceId, ServiceInstanceListSupplier supplier) {
		List<ServiceInstanceListSupplier> links = links(supplier);
		boolean requestScoped = false;
		for (ServiceInstanceListSupplier link : links) {
			if (link instanceof SameInstancePreferenceServiceInstanceListSupplier
					|| link instanceof RequestBasedStickySessionServiceInstanceListSupplier) {
				throw new IllegalStateException("latency-lb: service '" + serviceId + "' has a "
						+ link.getClass().getSimpleName() + " in its instance-list supplier chain: a second "
						+ "affinity besides latency-lb's. Remove it and choose the flow key with "
						+ "latency-lb.affinity.cookie-names, header-names or client-ip (docs/suppliers.md).");
			}
			requestScoped |= link instanceof HintBasedServiceInstanceListSupplier;
		}
		ServiceInstanceListSupplier used = supplier;
		while (used instanceof WeightedServiceInstanceListSupplier weighted) {
			used = weighted.getDelegate();
			if (logger.isInfoEnabled()) {
				logger.info("latency-lb: service '" + serviceId + "' skips the weighted instance-list supplier: "
						+ "latency-lb weighs instances by their metadata 'weight' itself (a custom WeightFunction "
						+ "is not used)");
			}
		}
		return new SupplierChain(used, requestScoped);
	}

	/**
	 * Return the ids of a service's instances that a request's own list does not offer,
	 * e.g. those a hint header filtered out.
	 * @param all the request-independent list the scheduler knows
	 * @param offered the request's list
	 * @return the ids to exclude for this request, empty when nothing was filtered
	 */
	static Set<String> notOffered(List<ServiceInstance> all, List<ServiceInstance> offered) {
		if (all == offered) {
			return Set.of();
		}
		Set<String> offeredIds = new HashSet<>();
		for (ServiceInstance instance : offered) {
			offeredIds.add(InstanceIds.idOf(instance));
		}
		Set<String> missing = new HashSet<>();
		for (ServiceInstance instance : all) {
			String id = InstanceIds.idOf(instance);
			if (!offeredIds.contains(id)) {
				missing.add(id);
			}
		}
		return missing;
	}

	private static List<ServiceInstanceListSupplier> links(ServiceInstanceListSupplier supplier) {
		List<ServiceInstanceListSupplier> links = new ArrayList<>();
		ServiceInstanceListSupplier link = supplier;
		while (link != null && links.size() < 64) {
			links.add(link);
			link = (link instanceof DelegatingServiceInstanceListSupplier delegating) ? delegating.getDelegate() : null;
		}
		return links;
	}

}
