package io.github.latencylb.autoconfigure;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.springboot3.bulkhead.autoconfigure.BulkheadAutoConfiguration;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

/**
 * What the shared tests need that differs between the Spring Boot lines, for Spring Boot
 * 3.5 (Resilience4j spring-boot3, Jackson 2, Spring Cloud Commons 4). Its Spring Boot 4
 * twin, with the same name and members, is in
 * latency-lb-autoconfigure-boot4/src/test/java.
 */
public final class BootLine {

	private BootLine() {
	}

	/**
	 * Auto-configurations that give a context Micrometer's simple {@code MeterRegistry}.
	 * @return the auto-configurations
	 */
	public static AutoConfigurations meterRegistry() {
		return AutoConfigurations.of(MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class);
	}

	/**
	 * Resilience4j's bulkhead auto-configuration (its {@code BulkheadRegistry}).
	 * @return the auto-configuration
	 */
	public static AutoConfigurations resilience4jBulkhead() {
		return AutoConfigurations.of(BulkheadAutoConfiguration.class);
	}

	/**
	 * Writes a value as JSON with the Jackson version the actuator uses on this line.
	 * @param value the value
	 * @return its JSON
	 * @throws Exception if it cannot be written
	 */
	public static String toJson(Object value) throws Exception {
		return new ObjectMapper().writeValueAsString(value);
	}

	/**
	 * Replaces the instances that simple discovery lists for a service (copies of the
	 * given ones, without instance id, as simple discovery lists them).
	 * @param discovery the simple discovery properties
	 * @param serviceId the service
	 * @param instances its new instances
	 */
	public static void setSimpleDiscoveryInstances(SimpleReactiveDiscoveryProperties discovery, String serviceId,
			List<ServiceInstance> instances) {
		List<DefaultServiceInstance> copies = instances.stream()
			.map((i) -> new DefaultServiceInstance(null, serviceId, i.getHost(), i.getPort(), i.isSecure()))
			.toList();
		discovery.setInstances(new HashMap<>(Map.of(serviceId, copies)));
	}

}
