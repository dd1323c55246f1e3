package io.github.latencylb.autoconfigure;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * Scheduler knobs of one service, under {@code latency-lb.services.<serviceId>.*}.
 * Anything not set here is taken from {@code latency-lb.*}.
 */
public class ServiceProperties extends SchedulerProperties {

	@Valid
	private final FlowTable affinity = new FlowTable();

	public FlowTable getAffinity() {
		return this.affinity;
	}

	/**
	 * Flow table bounds.
	 */
	public static class FlowTable {

		/**
		 * Most flows remembered by the whole gateway, all services together (only under
		 * latency-lb.affinity; a per-service value fails start-up). A flow is recorded
		 * from its second request on; when the table is full, the least used, then least
		 * recent, flows make room. Each costs at most about 55 bytes of heap.
		 */
		@Min(1)
		@Max(2_147_483_648L)
		private long maxFlows = 1_000_000;

		/**
		 * A flow with no request for this long is forgotten; its next request goes home
		 * again.
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration idleTimeout = Duration.ofMinutes(30);

		public long getMaxFlows() {
			return this.maxFlows;
		}

		public void setMaxFlows(long maxFlows) {
			this.maxFlows = maxFlows;
		}

		public Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		public void setIdleTimeout(Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
		}

	}

}
