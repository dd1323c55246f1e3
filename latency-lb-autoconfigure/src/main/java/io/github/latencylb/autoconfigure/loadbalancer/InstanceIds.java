package io.github.latencylb.autoconfigure.loadbalancer;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.util.StringUtils;

/**
 * Stable identity of a service instance: its {@code instanceId} when discovery gives one,
 * else {@code host:port} (simple discovery leaves {@code instanceId} null, and
 * {@code DefaultServiceInstance.equals} includes metadata, so instances are never
 * compared as objects).
 */
public final class InstanceIds {

	/**
	 * Metadata key of an instance's weight (an integer from 1 to 100, default 1), as in
	 * Spring Cloud LoadBalancer's weighted supplier.
	 */
	public static final String WEIGHT_METADATA_KEY = "weight";

	private InstanceIds() {
	}

	/**
	 * Return an instance's stable id.
	 * @param instance the instance
	 * @return its id
	 */
	public static String idOf(ServiceInstance instance) {
		String id = instance.getInstanceId();
		return StringUtils.hasText(id) ? id : instance.getHost() + ":" + instance.getPort();
	}

	/**
	 * Return an instance's weight from its metadata, 1 when absent or invalid.
	 * @param instance the instance
	 * @return the weight, from 1 to 100
	 */
	public static int weightOf(ServiceInstance instance) {
		String value = (instance.getMetadata() != null) ? instance.getMetadata().get(WEIGHT_METADATA_KEY) : null;
		if (value == null) {
			return 1;
		}
		try {
			return Math.max(1, Math.min(100, Integer.parseInt(value.trim())));
		}
		catch (NumberFormatException ex) {
			return 1;
		}
	}

}
