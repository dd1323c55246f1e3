package io.github.latencylb.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import org.jspecify.annotations.Nullable;

/**
 * Bounded table of active flows: flow-key hash to the instance that serves it. Entries
 * are forgotten after {@code idleTimeout} without a request, and the table never holds
 * more than {@code maxFlows} (Caffeine's size eviction, close to LRU). Only key hashes
 * are stored, never raw keys. Each instance's home and pinned flow counts follow every
 * insert and removal. Thread-safe.
 */
final class FlowTable {

	private final Cache<Long, Pin> pins;

	FlowTable(long maxFlows, Duration idleTimeout, NanoClock clock) {
		this.pins = Caffeine.newBuilder()
			.maximumSize(maxFlows)
			.expireAfterAccess(idleTimeout.toNanos(), TimeUnit.NANOSECONDS)
			.ticker(clock::nanoTime)
			.executor(Runnable::run)
			.removalListener((Long key, Pin pin, RemovalCause cause) -> {
				if (pin != null) {
					pin.counter().decrementAndGet();
				}
			})
			.build();
	}

	@Nullable Pin get(long keyHash) {
		return this.pins.getIfPresent(keyHash);
	}

	void put(long keyHash, InstanceStats instance, boolean home) {
		Pin pin = new Pin(instance, home);
		pin.counter().incrementAndGet();
		this.pins.put(keyHash, pin);
	}

	long size() {
		this.pins.cleanUp();
		return this.pins.estimatedSize();
	}

	/**
	 * Where a flow is recorded.
	 *
	 * @param instance the instance serving it
	 * @param home whether that instance is the flow's ring home
	 */
	record Pin(InstanceStats instance, boolean home) {

		java.util.concurrent.atomic.AtomicInteger counter() {
			return this.home ? this.instance.homeFlows : this.instance.pinnedFlows;
		}

	}

}
