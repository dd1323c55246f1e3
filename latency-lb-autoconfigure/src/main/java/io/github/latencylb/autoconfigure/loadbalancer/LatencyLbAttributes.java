package io.github.latencylb.autoconfigure.loadbalancer;

/**
 * Request attributes read by the load balancer outside the gateway (for example a
 * {@code WebClient} filter): a gateway request carries its
 * {@link LatencyLbRequestContext} instead. Values are never raw keys.
 */
public final class LatencyLbAttributes {

	/**
	 * {@link Long}: 64-bit hash of the request's flow key; absent for keyless requests.
	 * Read only when the request has no {@link LatencyLbRequestContext}.
	 */
	public static final String FLOW_KEY_HASH = "latencylb.flowKeyHash";

	private LatencyLbAttributes() {
	}

}
