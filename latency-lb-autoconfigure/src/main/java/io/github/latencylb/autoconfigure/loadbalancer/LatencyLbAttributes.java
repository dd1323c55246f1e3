package io.github.latencylb.autoconfigure.loadbalancer;

/**
 * Request attributes through which filters talk to the load balancer. Values are never
 * raw keys.
 */
public final class LatencyLbAttributes {

	/**
	 * {@link Long}: 64-bit hash of the request's flow key; absent for keyless requests.
	 */
	public static final String FLOW_KEY_HASH = "latencylb.flowKeyHash";

	/**
	 * {@code Set<String>}: instance ids this request must not be sent to (ones it already
	 * tried).
	 */
	public static final String EXCLUDED_INSTANCES = "latencylb.excludedInstances";

	/**
	 * {@link Integer}: the request's priority class, lower is served first.
	 */
	public static final String PRIORITY_CLASS = "latencylb.priorityClass";

	/**
	 * {@link Integer}: the request's offset within its priority class, lower is served
	 * first.
	 */
	public static final String PRIORITY_OFFSET = "latencylb.priorityOffset";

	/**
	 * {@link Boolean}: whether the request is a health check.
	 */
	public static final String HEALTH_CHECK = "latencylb.healthCheck";

	private LatencyLbAttributes() {
	}

}
