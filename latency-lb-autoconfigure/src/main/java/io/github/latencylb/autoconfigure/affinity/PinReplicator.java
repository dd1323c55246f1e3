package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import org.HdrHistogram.Histogram;

/**
 * Shares pins between gateway replicas, off the request path. The local flow table stays
 * authoritative for every decision; this only listens to it and feeds it.
 * <ul>
 * <li>A pin change (a move away from home, or a return home as a tombstone) gets a new
 * version (hybrid logical clock + replica id) and goes into a bounded backlog: a full
 * backlog drops the change and counts it. Nothing on the request path waits for Redis.
 * <li>A single thread drains the backlog every batch interval, writes the batch to Redis
 * (newest version wins, expiry = idle timeout) and publishes it to the other replicas in
 * one round trip, each call bounded by the timeout.
 * <li>Received changes are applied when newer than what this replica knows; pins to
 * instances this replica does not know yet wait for its next instance list.
 * <li>Pins used here are touched (re-published with their version) every quarter of the
 * idle timeout, so that a flow kept busy through one replica does not expire on the
 * others.
 * <li>A failed call marks the store down; a ping every second brings it back, and then
 * the replica subscribes again, loads every pin from Redis and re-publishes the changes
 * it made meanwhile.
 * </ul>
 * The work is shared out: {@link PinTable} keeps what this replica knows and applies it,
 * {@link PinBacklog} bounds the changes waiting, and {@link PinStoreSync} talks to Redis
 * on the replicator's single thread. Thread-safe.
 */
public class PinReplicator implements AutoCloseable {

	private final RedisPinStore store;

	private final SchedulerRegistry registry;

	private final Duration batchInterval;

	private final String replicaId;

	private final PinTable table;

	private final PinBacklog backlog;

	private final ScheduledExecutorService executor;

	private final PinStoreSync sync;

	/**
	 * Create a replicator; {@link #start()} starts it.
	 * @param store the Redis side
	 * @param registry the schedulers whose pins are shared
	 * @param batchInterval how long changes are gathered before a write
	 * @param maxBacklog most changes waiting to be written
	 * @param defaultIdleTimeout idle timeout of services with no scheduler here yet
	 */
	PinReplicator(RedisPinStore store, SchedulerRegistry registry, Duration batchInterval, int maxBacklog,
			Duration defaultIdleTimeout) {
		this.store = store;
		this.registry = registry;
		this.batchInterval = batchInterval;
		this.backlog = new PinBacklog(maxBacklog);
		this.replicaId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		this.table = new PinTable(registry, defaultIdleTimeout, new HybridLogicalClock(System::currentTimeMillis),
				this.replicaId);
		this.executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "latency-lb-pins");
			thread.setDaemon(true);
			return thread;
		});
		this.sync = new PinStoreSync(store, this.table, this.backlog, this.replicaId, this.executor);
	}

	/**
	 * Start sharing: attach to every scheduler (existing and future) and connect.
	 */
	public void start() {
		this.registry.addListener((scheduler) -> this.table.attach(scheduler, this.backlog::offer));
		this.executor.scheduleWithFixedDelay(this.sync::tick, 0, this.batchInterval.toNanos(), TimeUnit.NANOSECONDS);
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
		try {
			this.executor.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.store.unsubscribe();
	}

	/**
	 * Return the state of the store.
	 * @return the state
	 */
	public State state() {
		return this.sync.state;
	}

	/**
	 * Return details for health and metrics.
	 * @return the details, by name
	 */
	public Map<String, Object> details() {
		State state = this.sync.state;
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("store", "redis");
		details.put("state", state.name().toLowerCase(Locale.ROOT));
		details.put("replica", this.replicaId);
		details.put("backlog", this.backlog.size());
		details.put("dropped", this.backlog.dropped());
		details.put("published", this.sync.published.sum());
		details.put("received", this.sync.received.sum());
		String error = this.sync.lastError;
		if (error != null && state != State.UP) {
			details.put("error", error);
		}
		return details;
	}

	/**
	 * Return this replica's id.
	 * @return the id
	 */
	public String replicaId() {
		return this.replicaId;
	}

	/**
	 * Return how many pin changes were dropped because the backlog was full.
	 * @return the count
	 */
	public long dropped() {
		return this.backlog.dropped();
	}

	/**
	 * Return how many pin changes (and touches) were written and published.
	 * @return the count
	 */
	public long published() {
		return this.sync.published.sum();
	}

	/**
	 * Return how many pin changes were received from other replicas.
	 * @return the count
	 */
	public long received() {
		return this.sync.received.sum();
	}

	/**
	 * Return how many pin changes wait to be published.
	 * @return the backlog length
	 */
	public int backlog() {
		return this.backlog.size();
	}

	/**
	 * Return how many pins were read from Redis by the loads after each (re)connection.
	 * @return the count
	 */
	public long loaded() {
		return this.sync.loaded.get();
	}

	/**
	 * Let a listener see the replication lag of every change received: from the change on
	 * the replica that made it to its application here, in milliseconds (across hosts,
	 * clock skew included).
	 * @param listener the listener
	 */
	public void setLagListener(LongConsumer listener) {
		this.sync.lagListener = listener;
	}

	/**
	 * Return the replication lags recorded since the last call, in milliseconds.
	 * @return the interval histogram
	 */
	public Histogram takeLagHistogram() {
		return this.sync.lag.getIntervalHistogram();
	}

	/**
	 * State of the store.
	 */
	public enum State {

		/**
		 * Not connected yet.
		 */
		CONNECTING,

		/**
		 * Connected: changes are shared.
		 */
		UP,

		/**
		 * Unreachable or too slow: routing goes on with local pins.
		 */
		DOWN

	}

}
