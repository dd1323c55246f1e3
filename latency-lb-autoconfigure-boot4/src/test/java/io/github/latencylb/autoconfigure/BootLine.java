package io.github.latencylb.autoconfigure;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

/**
 * What the shared tests need that differs between the Spring Boot lines, for Spring Boot
 * 4.0 (metrics auto-configuration in spring-boot-micrometer-metrics, Resilience4j
 * spring-boot4, Jackson 3, Spring Cloud Commons 5 simple discovery). Its Spring Boot 3.5
 * twin, with the same name and members, is in
 * latency-lb-autoconfigure/src/test-boot3/java.
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
		return JsonMapper.builder().build().writeValueAsString(value);
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
		List<InstanceProperties> copies = instances.stream().map((i) -> {
			InstanceProperties copy = new InstanceProperties();
			copy.setServiceId(serviceId);
			copy.setHost(i.getHost());
			copy.setPort(i.getPort());
			copy.setSecure(i.isSecure());
			return copy;
		}).toList();
		discovery.setInstances(new HashMap<>(Map.of(serviceId, copies)));
	}

}
