package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.client.ServiceInstance;

/**
 * The last instance list a {@link LatencyAwareLoadBalancer} saw, with what it derived
 * from it: its instances by id, and their ids and weights in order.
 */
final class KnownInstances {

	/** The list. */
	final List<ServiceInstance> source;

	/** Its instances by id (the first of each id). */
	final Map<String, ServiceInstance> byId;

	/** The id of each of its instances, in order. */
	final String[] ids;

	/** The weight of each of its instances, in order. */
	final int[] weights;

	/**
	 * Whether the scheduler was given these instances: until then (the map is published
	 * first) another list must not be taken for already applied.
	 */
	volatile boolean applied;

	KnownInstances(List<ServiceInstance> source, Map<String, ServiceInstance> byId, String[] ids, int[] weights) {
		this.source = source;
		this.byId = byId;
		this.ids = ids;
		this.weights = weights;
	}

	/**
	 * The same instances, known from another list object that {@link #sameAs} found to
	 * hold them.
	 * @param instances the other list
	 * @return the instances, applied as these were
	 */
	KnownInstances withSource(List<ServiceInstance> instances) {
		KnownInstances adopted = new KnownInstances(instances, this.byId, this.ids, this.weights);
		adopted.applied = this.applied;
		return adopted;
	}

	/**
	 * Whether a list that is another object holds the same instance objects in the same
	 * order, with the same ids and weights: what a supplier that copies or re-filters the
	 * list on every request emits. Then nothing derived from it changes, and the map and
	 * the scheduler's instance set need no rebuilding (which allocates and hashes every
	 * instance). Only once the scheduler has these instances: before, the caller must
	 * give them to it, as for a new list.
	 * @param instances the new list
	 * @return whether everything derived from it would be the same
	 */
	boolean sameAs(List<ServiceInstance> instances) {
		if (!this.applied || instances.size() != this.ids.length || this.ids.length == 0) {
			return false;
		}
		Iterator<ServiceInstance> known = this.source.iterator();
		int i = 0;
		for (ServiceInstance instance : instances) {
			if (instance != known.next() || !this.ids[i].equals(InstanceIds.idOf(instance))
					|| this.weights[i] != InstanceIds.weightOf(instance)) {
				return false;
			}
			i++;
		}
		return true;
	}

}
