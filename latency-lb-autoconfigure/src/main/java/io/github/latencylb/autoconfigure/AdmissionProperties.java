package io.github.latencylb.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;

/**
 * Priority classes, per-instance admission (bulkhead and queue) and retries: the groups
 * {@code latency-lb.priority}, {@code latency-lb.bulkhead}, {@code latency-lb.queue} and
 * {@code latency-lb.retry}.
 */
public final class AdmissionProperties {

	private AdmissionProperties() {
	}

	/**
	 * How requests are classified; lower classes are served first (HAProxy's
	 * {@code set-priority-class}, -2047 to 2047).
	 */
	public static class Priority {

		/**
		 * Whether requests are classified. When false every request has the default
		 * class, and health checks wait in line with everything else.
		 */
		private boolean enabled = true;

		/**
		 * Request path patterns of health checks (Spring PathPattern syntax, as in
		 * Gateway's Path predicate).
		 */
		private List<String> healthCheckPaths = new ArrayList<>(List.of("/health", "/healthz", "/actuator/health/**"));

		/**
		 * User agents (patterns where '*' matches anything) of health checkers. Empty by
		 * default: a User-Agent is chosen by the client, so any client sending a listed
		 * one gets health-check priority (within the health-check cap); combine with
		 * trusted-sources.
		 */
		private List<String> healthCheckUserAgents = new ArrayList<>();

		/**
		 * Client addresses or CIDR blocks (IPv4 and IPv6, e.g. 10.0.0.0/8, fd00::/8) from
		 * which a request may be a health check; empty accepts any source. The address is
		 * the connection's peer, or the forwarded client when
		 * server.forward-headers-strategy=framework.
		 */
		private List<String> trustedSources = new ArrayList<>();

		/**
		 * Health checks that may wait at the health-check class per instance; more wait
		 * as regular requests (default class, regular queue timeout). 0 lets none jump
		 * the queue.
		 */
		@Min(0)
		@Max(1000)
		private int healthCheckMaxWaiters = 2;

		/**
		 * Health checks per second per instance that may start waiting at the
		 * health-check class (bursts of up to one second's worth); more wait as regular
		 * requests. Health checks admitted at once are not counted.
		 */
		@DecimalMin("0.0")
		@DecimalMax("1000000.0")
		private double healthCheckMaxRate = 5;

		/**
		 * Priority class of health checks.
		 */
		@Min(-2047)
		@Max(2047)
		private int healthCheckClass = -2047;

		/**
		 * Priority class of requests no rule matches.
		 */
		@Min(-2047)
		@Max(2047)
		private int defaultClass = 0;

		/**
		 * How long a health check may wait in an instance's queue.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration healthCheckQueueTimeout = Duration.ofSeconds(20);

		/**
		 * Classification rules, first match wins (after health checks).
		 */
		@Valid
		private List<Rule> rules = new ArrayList<>();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public List<String> getHealthCheckPaths() {
			return this.healthCheckPaths;
		}

		public void setHealthCheckPaths(List<String> healthCheckPaths) {
			this.healthCheckPaths = healthCheckPaths;
		}

		public List<String> getHealthCheckUserAgents() {
			return this.healthCheckUserAgents;
		}

		public void setHealthCheckUserAgents(List<String> healthCheckUserAgents) {
			this.healthCheckUserAgents = healthCheckUserAgents;
		}

		public List<String> getTrustedSources() {
			return this.trustedSources;
		}

		public void setTrustedSources(List<String> trustedSources) {
			this.trustedSources = trustedSources;
		}

		public int getHealthCheckMaxWaiters() {
			return this.healthCheckMaxWaiters;
		}

		public void setHealthCheckMaxWaiters(int healthCheckMaxWaiters) {
			this.healthCheckMaxWaiters = healthCheckMaxWaiters;
		}

		public double getHealthCheckMaxRate() {
			return this.healthCheckMaxRate;
		}

		public void setHealthCheckMaxRate(double healthCheckMaxRate) {
			this.healthCheckMaxRate = healthCheckMaxRate;
		}

		public int getHealthCheckClass() {
			return this.healthCheckClass;
		}

		public void setHealthCheckClass(int healthCheckClass) {
			this.healthCheckClass = healthCheckClass;
		}

		public int getDefaultClass() {
			return this.defaultClass;
		}

		public void setDefaultClass(int defaultClass) {
			this.defaultClass = defaultClass;
		}

		public Duration getHealthCheckQueueTimeout() {
			return this.healthCheckQueueTimeout;
		}

		public void setHealthCheckQueueTimeout(Duration healthCheckQueueTimeout) {
			this.healthCheckQueueTimeout = healthCheckQueueTimeout;
		}

		public List<Rule> getRules() {
			return this.rules;
		}

		public void setRules(List<Rule> rules) {
			this.rules = rules;
		}

	}

	/**
	 * One classification rule: every condition given must match.
	 */
	public static class Rule {

		/**
		 * Request path patterns (PathPattern syntax); empty matches any path.
		 */
		private List<String> paths = new ArrayList<>();

		/**
		 * HTTP methods; empty matches any method.
		 */
		private List<String> methods = new ArrayList<>();

		/**
		 * Headers and the regular expression their value must match.
		 */
		private Map<String, String> headers = new LinkedHashMap<>();

		/**
		 * Priority class the rule sets.
		 */
		@Min(-2047)
		@Max(2047)
		private int priorityClass;

		/**
		 * Offset within the class: lower is served first among equal classes.
		 */
		@Min(-524287)
		@Max(524287)
		private int offset;

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public Map<String, String> getHeaders() {
			return this.headers;
		}

		public void setHeaders(Map<String, String> headers) {
			this.headers = headers;
		}

		public int getPriorityClass() {
			return this.priorityClass;
		}

		public void setPriorityClass(int priorityClass) {
			this.priorityClass = priorityClass;
		}

		public int getOffset() {
			return this.offset;
		}

		public void setOffset(int offset) {
			this.offset = offset;
		}

	}

	/**
	 * Per-instance concurrency limit: a Resilience4j semaphore bulkhead named
	 * {@code <serviceId>:<instanceId>}.
	 */
	public static class Bulkhead {

		/**
		 * Whether requests are admitted through per-instance bulkheads and queues.
		 */
		private boolean enabled = true;

		/**
		 * Concurrent requests per instance, when no Resilience4j config is named.
		 */
		@Min(1)
		private int maxConcurrentCalls = 256;

		/**
		 * Name of a Resilience4j bulkhead config
		 * ({@code resilience4j.bulkhead.configs.<name>}) to create the per-instance
		 * bulkheads from; its max-wait-duration is ignored (we never block, we queue).
		 */
		private @Nullable String configName;

		/**
		 * Concurrent server-sent-event streams per instance, held from the response
		 * headers until the stream ends, apart from the request permits; unset means as
		 * many as the instance's concurrent requests.
		 */
		@Min(1)
		private @Nullable Integer maxConcurrentStreams;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxConcurrentCalls() {
			return this.maxConcurrentCalls;
		}

		public void setMaxConcurrentCalls(int maxConcurrentCalls) {
			this.maxConcurrentCalls = maxConcurrentCalls;
		}

		public @Nullable String getConfigName() {
			return this.configName;
		}

		public void setConfigName(@Nullable String configName) {
			this.configName = configName;
		}

		public @Nullable Integer getMaxConcurrentStreams() {
			return this.maxConcurrentStreams;
		}

		public void setMaxConcurrentStreams(@Nullable Integer maxConcurrentStreams) {
			this.maxConcurrentStreams = maxConcurrentStreams;
		}

	}

	/**
	 * Per-instance priority queue of requests that found the bulkhead full.
	 */
	public static class Queue {

		/**
		 * How long a regular request may wait for a permit before a 503.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration timeout = Duration.ofSeconds(5);

		/**
		 * Most requests waiting per instance; more get a 503 at once. Zero disables
		 * queueing.
		 */
		@Min(0)
		private int maxLength = 1000;

		/**
		 * Requests that must be waiting at a flow's instance (with no free permit) before
		 * the flow's requests overflow to another instance and before new work avoids it.
		 * 1 reacts to any queue; raise it to keep more requests on their instance at high
		 * but healthy load.
		 */
		@Min(1)
		private int overflowMinLength = 1;

		/**
		 * Most requests without a flow key waiting in a service's queue, for the first
		 * permit that frees on any fit instance (HAProxy's backend queue); more get a 503
		 * at once. Zero turns the service queue off: such requests then wait in the queue
		 * of the instance they were sent to. A max-length of zero (no queueing) turns it
		 * off too.
		 */
		@Min(0)
		private int serviceMaxLength = 1000;

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public int getMaxLength() {
			return this.maxLength;
		}

		public void setMaxLength(int maxLength) {
			this.maxLength = maxLength;
		}

		public int getOverflowMinLength() {
			return this.overflowMinLength;
		}

		public void setOverflowMinLength(int overflowMinLength) {
			this.overflowMinLength = overflowMinLength;
		}

		public int getServiceMaxLength() {
			return this.serviceMaxLength;
		}

		public void setServiceMaxLength(int serviceMaxLength) {
			this.serviceMaxLength = serviceMaxLength;
		}

	}

	/**
	 * Bounded retries on the next instance of the flow's preference list.
	 */
	public static class Retry {

		/**
		 * Attempts per request, counting the first; 1 disables retries.
		 */
		@Min(1)
		@Max(10)
		private int maxAttempts = 2;

		/**
		 * Retries may not exceed this share of requests (per service, over the last 10
		 * seconds).
		 */
		@DecimalMin("0.0")
		@DecimalMax("1.0")
		private double budgetRatio = 0.2;

		/**
		 * Retries per second always allowed, so that low traffic can still retry.
		 */
		@DecimalMin("0.0")
		private double minRetriesPerSecond = 5;

		/**
		 * Response statuses retried, for idempotent methods only.
		 */
		private List<@Min(100) @Max(599) Integer> statuses = new ArrayList<>(List.of(502, 503, 504));

		/**
		 * Largest request body, in bytes, kept in memory so that a retry can send it
		 * again; it costs up to this much heap per request in flight. A larger body is
		 * streamed once, and its request is retried only when it failed before any of it
		 * was sent. 0 keeps no body.
		 */
		@Min(0)
		@Max(16 * 1024 * 1024)
		private int maxBodyBytes = 64 * 1024;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public double getBudgetRatio() {
			return this.budgetRatio;
		}

		public void setBudgetRatio(double budgetRatio) {
			this.budgetRatio = budgetRatio;
		}

		public double getMinRetriesPerSecond() {
			return this.minRetriesPerSecond;
		}

		public void setMinRetriesPerSecond(double minRetriesPerSecond) {
			this.minRetriesPerSecond = minRetriesPerSecond;
		}

		public List<@Min(100) @Max(599) Integer> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(List<Integer> statuses) {
			this.statuses = statuses;
		}

		public int getMaxBodyBytes() {
			return this.maxBodyBytes;
		}

		public void setMaxBodyBytes(int maxBodyBytes) {
			this.maxBodyBytes = maxBodyBytes;
		}

	}

}
