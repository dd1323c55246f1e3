package io.github.latencylb.autoconfigure.endpoint;

import java.net.URI;
import java.util.Map;

/**
 * Where the instances of a service are, by the stable instance id the scheduler uses.
 */
@FunctionalInterface
public interface InstanceUriResolver {

	/**
	 * Return the URIs of a service's instances as its load balancer last saw them.
	 * @param serviceId the service id
	 * @return the URIs by instance id, empty when unknown
	 */
	Map<String, URI> urisOf(String serviceId);

}
