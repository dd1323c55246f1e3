package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.PinListener;
import io.github.latencylb.core.Scheduler;
import org.HdrHistogram.Recorder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

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
 * Thread-safe.
 */
public class PinReplicator implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(PinReplicator.class);

	private static final long PROBE_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

	private static final long LOG_INTERVAL_NANOS = Duration.ofSeconds(30).toNanos();

	private static final int MAX_BATCH = 1000;

	private static final long MIN_KEEP_ALIVE_NANOS = Duration.ofMillis(250).toNanos();

	private final RedisPinStore store;

	private final SchedulerRegistry registry;

	private final Duration batchInterval;

	private final Duration defaultIdleTimeout;

	private final String replicaId;

	private final HybridLogicalClock clock = new HybridLogicalClock(System::currentTimeMillis);

	private final ConcurrentMap<String, ConcurrentMap<Long, Entry>> services = new ConcurrentHashMap<>();

	private final BlockingQueue<PinUpdate> backlog;

	private final List<PinUpdate> retry = new ArrayList<>();

	private final ScheduledExecutorService executor;

	private final LongAdder dropped = new LongAdder();

	private final LongAdder published = new LongAdder();

	private final LongAdder received = new LongAdder();

	private final LongAdder failures = new LongAdder();

	private final AtomicLong loaded = new AtomicLong();

	private final Recorder lag = new Recorder(3);

	private volatile LongConsumer lagListener = (millis) -> {
	};

	private volatile State state = State.CONNECTING;

	private volatile @Nullable String lastError;

	private volatile boolean resubscribe;

	private long nextProbe;

	private long nextPing;

	private long nextSweep;

	private long lastFailureLog = Long.MIN_VALUE / 2;

	private long suppressedFailureLogs;

	private long lastDropLog = Long.MIN_VALUE / 2;

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
		this.defaultIdleTimeout = defaultIdleTimeout;
		this.backlog = new ArrayBlockingQueue<>(maxBacklog);
		this.replicaId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		this.executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "latency-lb-pins");
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Start sharing: attach to every scheduler (existing and future) and connect.
	 */
	public void start() {
		this.registry.addListener(this::attach);
		this.executor.scheduleWithFixedDelay(this::tick, 0, this.batchInterval.toNanos(), TimeUnit.NANOSECONDS);
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
		return this.state;
	}

	/**
	 * Return details for health and metrics.
	 * @return the details, by name
	 */
	public Map<String, Object> details() {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("store", "redis");
		details.put("state", this.state.name().toLowerCase(java.util.Locale.ROOT));
		details.put("replica", this.replicaId);
		details.put("backlog", this.backlog.size());
		details.put("dropped", this.dropped.sum());
		details.put("published", this.published.sum());
		details.put("received", this.received.sum());
		String error = this.lastError;
		if (error != null && this.state != State.UP) {
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
		return this.dropped.sum();
	}

	/**
	 * Return how many pin changes (and touches) were written and published.
	 * @return the count
	 */
	public long published() {
		return this.published.sum();
	}

	/**
	 * Return how many pin changes were received from other replicas.
	 * @return the count
	 */
	public long received() {
		return this.received.sum();
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
		return this.loaded.get();
	}

	/**
	 * Let a listener see the replication lag of every change received: from the change on
	 * the replica that made it to its application here, in milliseconds (across hosts,
	 * clock skew included).
	 * @param listener the listener
	 */
	public void setLagListener(LongConsumer listener) {
		this.lagListener = listener;
	}

	/**
	 * Return the replication lags recorded since the last call, in milliseconds.
	 * @return the interval histogram
	 */
	public org.HdrHistogram.Histogram takeLagHistogram() {
		return this.lag.getIntervalHistogram();
	}

	private void attach(Scheduler scheduler) {
		String service = scheduler.serviceId();
		ConcurrentMap<Long, Entry> pins = pins(service);
		long ttlMillis = scheduler.config().idleTimeout().toMillis();
		scheduler.setPinListener(new PinListener() {

			@Override
			public void placed(long keyHash, String instanceId, boolean home) {
				changed(service, pins, keyHash, home ? null : instanceId, ttlMillis);
			}

			@Override
			public void used(long keyHash, String instanceId) {
				Entry entry = pins.get(keyHash);
				if (entry != null) {
					long now = System.nanoTime();
					if (now - entry.lastUsed > MIN_KEEP_ALIVE_NANOS) {
						entry.lastUsed = now;
					}
				}
			}

		});
		// Synchronously, before the first request of a new instance list is decided: a
		// flow placed at home before its pin is applied would publish a tombstone.
		scheduler.addTopologyListener((ids) -> applyPending(scheduler));
	}

	private ConcurrentMap<Long, Entry> pins(String service) {
		return this.services.computeIfAbsent(service, (id) -> new ConcurrentHashMap<>());
	}

	/**
	 * A local placement, on the request path: quick, never blocks.
	 */
	private void changed(String service, ConcurrentMap<Long, Entry> pins, long keyHash, @Nullable String instanceId,
			long ttlMillis) {
		if (instanceId == null) {
			Entry known = pins.get(keyHash);
			if (known == null || known.instanceId == null) {
				// A flow at home that no replica moved: nothing to share.
				return;
			}
		}
		long now = System.nanoTime();
		PinUpdate update = new PinUpdate(service, keyHash, instanceId, this.clock.now(), this.replicaId, ttlMillis,
				false);
		Entry entry = new Entry(update, now, now + TimeUnit.MILLISECONDS.toNanos(ttlMillis));
		entry.lastUsed = now;
		entry.lastSent = now;
		entry.applied = true;
		pins.put(keyHash, entry);
		enqueue(update);
	}

	private void enqueue(PinUpdate update) {
		if (!this.backlog.offer(update)) {
			this.dropped.increment();
		}
	}

	private void tick() {
		try {
			long now = System.nanoTime();
			if (this.state != State.UP || this.resubscribe) {
				if (now - this.nextProbe < 0) {
					logDrops(now);
					return;
				}
				connect(now);
				if (this.state != State.UP) {
					logDrops(now);
					return;
				}
			}
			if (now - this.nextSweep >= 0) {
				sweep(now);
			}
			boolean wrote = flush();
			if (!wrote && now - this.nextPing >= 0) {
				this.store.ping();
				this.nextPing = now + PROBE_INTERVAL_NANOS;
			}
			else if (wrote) {
				this.nextPing = now + PROBE_INTERVAL_NANOS;
			}
			logDrops(now);
		}
		catch (Throwable ex) {
			failed(ex);
		}
	}

	/**
	 * Ping, subscribe, load every pin, then re-publish this replica's own pins (changes
	 * made or dropped while the store was down).
	 */
	private void connect(long now) {
		this.nextProbe = now + PROBE_INTERVAL_NANOS;
		try {
			this.store.ping();
			this.resubscribe = false;
			this.store.subscribe((message) -> this.executor.execute(() -> receive(message)), (ex) -> {
				this.resubscribe = true;
				this.lastError = describe(ex);
			});
			long count = this.store.load(this::apply);
			this.loaded.addAndGet(count);
			List<PinUpdate> own = new ArrayList<>();
			long nowAfter = System.nanoTime();
			this.services.forEach((service, pins) -> pins.forEach((keyHash, entry) -> {
				if (entry.replica.equals(this.replicaId) && !entry.expired(nowAfter, idleNanos(service))) {
					own.add(entry.toUpdate(service, keyHash, ttlMillis(service), false));
				}
			}));
			for (int i = 0; i < own.size(); i += MAX_BATCH) {
				List<PinUpdate> batch = own.subList(i, Math.min(own.size(), i + MAX_BATCH));
				this.store.write(batch);
				this.published.add(batch.size());
			}
			State previous = this.state;
			this.state = State.UP;
			this.lastError = null;
			this.nextPing = System.nanoTime() + PROBE_INTERVAL_NANOS;
			if (logger.isInfoEnabled()) {
				logger.info("latency-lb pin store: Redis " + ((previous == State.DOWN) ? "is back" : "connected")
						+ " (replica " + this.replicaId + "): loaded " + count + " pins, re-published " + own.size());
			}
		}
		catch (Throwable ex) {
			this.store.unsubscribe();
			failed(ex);
		}
	}

	/**
	 * Write and publish what the backlog holds, in batches.
	 * @return whether anything was written
	 */
	private boolean flush() {
		boolean wrote = false;
		while (true) {
			List<PinUpdate> batch = new ArrayList<>(this.retry);
			this.retry.clear();
			this.backlog.drainTo(batch, MAX_BATCH - batch.size());
			if (batch.isEmpty()) {
				return wrote;
			}
			try {
				this.store.write(batch);
			}
			catch (Throwable ex) {
				// Kept (bounded by one batch) for when the store is back.
				this.retry.addAll(batch);
				throw ex;
			}
			this.published.add(batch.size());
			wrote = true;
			if (batch.size() < MAX_BATCH) {
				return true;
			}
		}
	}

	/**
	 * Touch pins used here since they were last sent (at most every quarter of the idle
	 * timeout), and forget expired ones.
	 */
	private void sweep(long now) {
		long next = Long.MAX_VALUE;
		for (Map.Entry<String, ConcurrentMap<Long, Entry>> service : this.services.entrySet()) {
			long idle = idleNanos(service.getKey());
			long keepAlive = Math.max(MIN_KEEP_ALIVE_NANOS, idle / 4);
			next = Math.min(next, keepAlive / 2);
			long ttlMillis = ttlMillis(service.getKey());
			service.getValue().entrySet().removeIf((e) -> {
				Entry entry = e.getValue();
				if (entry.expired(now, idle)) {
					return true;
				}
				if (entry.instanceId != null && entry.lastUsed - entry.lastSent > 0
						&& now - entry.lastSent >= keepAlive) {
					entry.lastSent = now;
					enqueue(entry.toUpdate(service.getKey(), e.getKey(), ttlMillis, true));
				}
				return false;
			});
		}
		this.nextSweep = now + ((next == Long.MAX_VALUE) ? MIN_KEEP_ALIVE_NANOS : next);
	}

	private void receive(String message) {
		try {
			long nowMillis = System.currentTimeMillis();
			for (PinUpdate update : PinUpdate.decode(message)) {
				if (update.replica().equals(this.replicaId)) {
					continue;
				}
				this.received.increment();
				if (!update.touch()) {
					long lagMillis = Math.max(0, nowMillis - HybridLogicalClock.millis(update.timestamp()));
					this.lag.recordValue(Math.min(lagMillis, 3_600_000));
					this.lagListener.accept(lagMillis);
				}
				apply(update);
			}
		}
		catch (Throwable ex) {
			rateLimitedFailureLog("could not apply a message", ex, System.nanoTime());
		}
	}

	/**
	 * Apply a pin from another replica (or from Redis) if it is at least as new as what
	 * this replica knows.
	 */
	private void apply(PinUpdate update) {
		this.clock.observe(update.timestamp());
		ConcurrentMap<Long, Entry> pins = pins(update.service());
		long now = System.nanoTime();
		long expires = now + TimeUnit.MILLISECONDS.toNanos(update.ttlMillis());
		Entry[] applied = new Entry[1];
		pins.compute(update.keyHash(), (key, known) -> {
			if (known != null) {
				int order = update.compareVersion(known.timestamp, known.replica);
				if (order < 0) {
					return known;
				}
				if (order == 0) {
					known.remoteExpires = Math.max(known.remoteExpires, expires);
					applied[0] = known;
					return known;
				}
			}
			Entry entry = new Entry(update, Long.MIN_VALUE / 4, expires);
			entry.lastUsed = now - Long.MAX_VALUE / 4;
			entry.lastSent = entry.lastUsed;
			applied[0] = entry;
			return entry;
		});
		Entry entry = applied[0];
		if (entry == null) {
			return;
		}
		Scheduler scheduler = this.registry.find(update.service());
		entry.applied = scheduler != null && scheduler.applyRemotePin(update.keyHash(), entry.instanceId);
	}

	/**
	 * Apply the pins that waited for instances this replica did not know.
	 */
	private void applyPending(Scheduler scheduler) {
		ConcurrentMap<Long, Entry> pins = this.services.get(scheduler.serviceId());
		if (pins == null) {
			return;
		}
		long now = System.nanoTime();
		long idle = scheduler.config().idleTimeout().toNanos();
		pins.forEach((keyHash, entry) -> {
			if (!entry.applied && !entry.expired(now, idle)) {
				entry.applied = scheduler.applyRemotePin(keyHash, entry.instanceId);
			}
		});
	}

	private long idleNanos(String service) {
		return TimeUnit.MILLISECONDS.toNanos(ttlMillis(service));
	}

	private long ttlMillis(String service) {
		Scheduler scheduler = this.registry.find(service);
		return ((scheduler != null) ? scheduler.config().idleTimeout() : this.defaultIdleTimeout).toMillis();
	}

	private void failed(Throwable ex) {
		long now = System.nanoTime();
		this.failures.increment();
		this.lastError = describe(ex);
		State previous = this.state;
		this.state = State.DOWN;
		this.nextProbe = now + PROBE_INTERVAL_NANOS;
		if (previous == State.UP) {
			this.store.unsubscribe();
			logger.warn("latency-lb pin store: Redis unavailable (" + this.lastError
					+ "); routing goes on with local pins, sharing resumes when Redis is back");
			this.lastFailureLog = now;
			return;
		}
		rateLimitedFailureLog("Redis still unavailable", ex, now);
	}

	private void rateLimitedFailureLog(String what, Throwable ex, long now) {
		if (now - this.lastFailureLog >= LOG_INTERVAL_NANOS) {
			logger.warn("latency-lb pin store: " + what + " (" + describe(ex) + ")" + ((this.suppressedFailureLogs > 0)
					? "; " + this.suppressedFailureLogs + " similar messages suppressed" : ""));
			this.lastFailureLog = now;
			this.suppressedFailureLogs = 0;
		}
		else {
			this.suppressedFailureLogs++;
		}
	}

	private void logDrops(long now) {
		long dropped = this.dropped.sum();
		if (dropped > 0 && now - this.lastDropLog >= LOG_INTERVAL_NANOS && logger.isWarnEnabled()) {
			logger.warn("latency-lb pin store: " + dropped + " pin changes dropped so far (backlog full)");
			this.lastDropLog = now;
		}
	}

	private static String describe(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		String message = cause.getMessage();
		return cause.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
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

	/**
	 * What this replica knows of one flow's pin.
	 */
	private static final class Entry {

		final @Nullable String instanceId;

		final long timestamp;

		final String replica;

		volatile long lastUsed;

		volatile long lastSent;

		volatile long remoteExpires;

		volatile boolean applied;

		Entry(PinUpdate update, long lastUsed, long remoteExpires) {
			this.instanceId = update.instanceId();
			this.timestamp = update.timestamp();
			this.replica = update.replica();
			this.lastUsed = lastUsed;
			this.remoteExpires = remoteExpires;
		}

		boolean expired(long now, long idleNanos) {
			return now - this.remoteExpires > 0 && now - this.lastUsed > idleNanos;
		}

		PinUpdate toUpdate(String service, long keyHash, long ttlMillis, boolean touch) {
			return new PinUpdate(service, keyHash, this.instanceId, this.timestamp, this.replica, ttlMillis, touch);
		}

	}

}
