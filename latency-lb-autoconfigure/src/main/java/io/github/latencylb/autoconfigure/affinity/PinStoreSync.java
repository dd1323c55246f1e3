package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import io.github.latencylb.autoconfigure.affinity.PinReplicator.State;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * The replicator's work with Redis, run on its single thread every batch interval:
 * connect (ping, subscribe, load every pin, re-publish this replica's own), write and
 * publish the backlog in batches, touch used pins, ping when idle, and apply what other
 * replicas publish. A failed call marks the store down; a probe every second brings it
 * back.
 */
final class PinStoreSync {

	private static final long PROBE_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

	private static final int MAX_BATCH = 1000;

	private final RedisPinStore store;

	private final PinTable table;

	private final PinBacklog backlog;

	private final String replicaId;

	private final Executor executor;

	private final PinStoreLog log = new PinStoreLog();

	private final List<PinUpdate> retry = new ArrayList<>();

	final LongAdder published = new LongAdder();

	final LongAdder received = new LongAdder();

	final LongAdder failures = new LongAdder();

	final AtomicLong loaded = new AtomicLong();

	final Recorder lag = new Recorder(3);

	volatile LongConsumer lagListener = (millis) -> {
	};

	volatile State state = State.CONNECTING;

	volatile @Nullable String lastError;

	private volatile boolean resubscribe;

	private long nextProbe;

	private long nextPing;

	private long nextSweep;

	PinStoreSync(RedisPinStore store, PinTable table, PinBacklog backlog, String replicaId, Executor executor) {
		this.store = store;
		this.table = table;
		this.backlog = backlog;
		this.replicaId = replicaId;
		this.executor = executor;
	}

	void tick() {
		try {
			long now = System.nanoTime();
			if (this.state != State.UP || this.resubscribe) {
				if (now - this.nextProbe < 0) {
					this.log.drops(this.backlog.dropped(), now);
					return;
				}
				connect(now);
				if (this.state != State.UP) {
					this.log.drops(this.backlog.dropped(), now);
					return;
				}
			}
			if (now - this.nextSweep >= 0) {
				this.nextSweep = now + this.table.sweep(now, this.backlog::offer);
			}
			boolean wrote = flush();
			if (!wrote && now - this.nextPing >= 0) {
				this.store.ping();
				this.nextPing = now + PROBE_INTERVAL_NANOS;
			}
			else if (wrote) {
				this.nextPing = now + PROBE_INTERVAL_NANOS;
			}
			this.log.drops(this.backlog.dropped(), now);
		}
		catch (Throwable ex) {
			failed(ex);
		}
	}

	/**
	 * Ping, subscribe, load every pin, then re-publish this replica's own pins (changes
	 * made or dropped while the store was down).
	 * @param now the current {@link System#nanoTime()}
	 */
	private void connect(long now) {
		this.nextProbe = now + PROBE_INTERVAL_NANOS;
		try {
			this.store.ping();
			this.resubscribe = false;
			this.store.subscribe((message) -> this.executor.execute(() -> receive(message)), (ex) -> {
				this.resubscribe = true;
				this.lastError = PinStoreLog.describe(ex);
			});
			long count = this.store.load(this.table::apply);
			this.loaded.addAndGet(count);
			List<PinUpdate> own = this.table.own(System.nanoTime());
			for (int i = 0; i < own.size(); i += MAX_BATCH) {
				List<PinUpdate> batch = own.subList(i, Math.min(own.size(), i + MAX_BATCH));
				this.store.write(batch);
				this.published.add(batch.size());
			}
			State previous = this.state;
			this.state = State.UP;
			this.lastError = null;
			this.nextPing = System.nanoTime() + PROBE_INTERVAL_NANOS;
			this.log.connected(previous == State.DOWN, this.replicaId, count, own.size());
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
				this.table.apply(update);
			}
		}
		catch (Throwable ex) {
			this.log.failure("could not apply a message", ex, System.nanoTime());
		}
	}

	private void failed(Throwable ex) {
		long now = System.nanoTime();
		this.failures.increment();
		String error = PinStoreLog.describe(ex);
		this.lastError = error;
		State previous = this.state;
		this.state = State.DOWN;
		this.nextProbe = now + PROBE_INTERVAL_NANOS;
		if (previous == State.UP) {
			this.store.unsubscribe();
			this.log.down(error, now);
			return;
		}
		this.log.failure("Redis still unavailable", ex, now);
	}

}
