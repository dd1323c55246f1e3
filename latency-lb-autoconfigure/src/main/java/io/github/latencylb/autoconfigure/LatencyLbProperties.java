package io.github.latencylb.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of latency-lb, under {@code latency-lb}. Scheduler knobs apply to every
 * service and can be overridden per service under
 * {@code latency-lb.services.<serviceId>}.
 */
@ConfigurationProperties(prefix = LatencyLbProperties.PREFIX)
@Validated
public class LatencyLbProperties extends SchedulerProperties {

	/**
	 * Prefix of every property.
	 */
	public static final String PREFIX = "latency-lb";

	/**
	 * Whether latency-lb schedules every load-balanced service. When false, Spring Cloud
	 * LoadBalancer's round robin stays in place.
	 */
	private boolean enabled = true;

	@Valid
	private final Affinity affinity = new Affinity();

	@Valid
	@NestedConfigurationProperty
	private final AdmissionProperties.Priority priority = new AdmissionProperties.Priority();

	@Valid
	@NestedConfigurationProperty
	private final AdmissionProperties.Bulkhead bulkhead = new AdmissionProperties.Bulkhead();

	@Valid
	@NestedConfigurationProperty
	private final AdmissionProperties.Queue queue = new AdmissionProperties.Queue();

	@Valid
	@NestedConfigurationProperty
	private final AdmissionProperties.Retry retry = new AdmissionProperties.Retry();

	/**
	 * Per-service overrides of the scheduler knobs, by service id.
	 */
	@Valid
	private final Map<String, ServiceProperties> services = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Affinity getAffinity() {
		return this.affinity;
	}

	public AdmissionProperties.Priority getPriority() {
		return this.priority;
	}

	public AdmissionProperties.Bulkhead getBulkhead() {
		return this.bulkhead;
	}

	public AdmissionProperties.Queue getQueue() {
		return this.queue;
	}

	public AdmissionProperties.Retry getRetry() {
		return this.retry;
	}

	public Map<String, ServiceProperties> getServices() {
		return this.services;
	}

	/**
	 * Where the flow key comes from, and the flow table's bounds.
	 */
	public static class Affinity extends ServiceProperties.FlowTable {

		/**
		 * Cookies whose value is the flow key, first match wins.
		 */
		private List<String> cookieNames = new ArrayList<>(List.of("SESSION", "JSESSIONID"));

		/**
		 * Headers whose value is the flow key, tried after the cookies.
		 */
		private List<String> headerNames = new ArrayList<>();

		/**
		 * Whether the client address is the flow key when no cookie or header carries
		 * one.
		 */
		private boolean clientIp = false;

		/**
		 * Longest flow key accepted, in bytes; a longer value makes the request keyless.
		 */
		@Min(1)
		@Max(65_536)
		private int maxKeyLength = 4096;

		/**
		 * Where pins live: memory (this gateway only) or redis (shared with the other
		 * gateway replicas, off the request path; needs
		 * spring-boot-starter-data-redis-reactive).
		 */
		@NotNull
		private AffinityStoreProperties.Store store = AffinityStoreProperties.Store.MEMORY;

		@Valid
		@NestedConfigurationProperty
		private final AffinityStoreProperties redis = new AffinityStoreProperties();

		public List<String> getCookieNames() {
			return this.cookieNames;
		}

		public void setCookieNames(List<String> cookieNames) {
			this.cookieNames = cookieNames;
		}

		public List<String> getHeaderNames() {
			return this.headerNames;
		}

		public void setHeaderNames(List<String> headerNames) {
			this.headerNames = headerNames;
		}

		public boolean isClientIp() {
			return this.clientIp;
		}

		public void setClientIp(boolean clientIp) {
			this.clientIp = clientIp;
		}

		public int getMaxKeyLength() {
			return this.maxKeyLength;
		}

		public void setMaxKeyLength(int maxKeyLength) {
			this.maxKeyLength = maxKeyLength;
		}

		public AffinityStoreProperties.Store getStore() {
			return this.store;
		}

		public void setStore(AffinityStoreProperties.Store store) {
			this.store = store;
		}

		public AffinityStoreProperties getRedis() {
			return this.redis;
		}

	}

}
