package io.github.latencylb.autoconfigure;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * Sharing of pins between gateway replicas through Redis, under
 * {@code latency-lb.affinity.redis.*} (used when {@code latency-lb.affinity.store=redis};
 * the connection itself is Spring Boot's {@code spring.data.redis.*}).
 */
public class AffinityStoreProperties {

	/**
	 * Prefix of every Redis key and of the pub/sub channel, so that several gateways (or
	 * environments) can share one Redis without seeing each other's pins.
	 */
	@NotNull
	@Pattern(regexp = "[A-Za-z0-9._:-]{1,64}", message = "must be 1 to 64 letters, digits or . _ : -")
	private String keyPrefix = "latency-lb";

	/**
	 * How long pin changes are gathered before they are written and published in one
	 * batch.
	 */
	@NotNull
	@DurationMin(millis = 1)
	@DurationMax(seconds = 10)
	private Duration batchInterval = Duration.ofMillis(20);

	/**
	 * Most pin changes waiting to be published; changes beyond it (Redis slow or down)
	 * are dropped and counted.
	 */
	@Min(1)
	@Max(10_000_000)
	private int maxBacklog = 100_000;

	/**
	 * Timeout of every Redis call; a call that takes longer counts as a failure and marks
	 * the store down until a ping succeeds.
	 */
	@NotNull
	@DurationMin(millis = 1)
	@DurationMax(seconds = 60)
	private Duration timeout = Duration.ofSeconds(1);

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public Duration getBatchInterval() {
		return this.batchInterval;
	}

	public void setBatchInterval(Duration batchInterval) {
		this.batchInterval = batchInterval;
	}

	public int getMaxBacklog() {
		return this.maxBacklog;
	}

	public void setMaxBacklog(int maxBacklog) {
		this.maxBacklog = maxBacklog;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	/**
	 * Where pins live.
	 */
	public enum Store {

		/**
		 * In this gateway's memory only.
		 */
		MEMORY,

		/**
		 * In memory, shared with the other replicas through Redis.
		 */
		REDIS

	}

}
