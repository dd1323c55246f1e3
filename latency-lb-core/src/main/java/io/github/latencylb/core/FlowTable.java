package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * Bounded table of active flows, shared by the schedulers of every service of a gateway:
 * flow-key hash to the instance that serves it. Only 64-bit key hashes are stored, never
 * raw keys, in primitive open-addressing arrays (about 20 bytes a slot, at most 75% full,
 * so at most 54 bytes per tracked flow once the table has grown), split into segments
 * with a lock each, plus a doorkeeper of 12 bytes a slot with as many slots as the bound
 * (a power of two, at most 2^22). Thread-safe.
 * <p>
 * Bounds and eviction:
 * <ul>
 * <li>never more than {@code maxFlows} entries for all services together;</li>
 * <li>an entry not used for its service's idle timeout is forgotten (checked on lookup
 * and by a sweep that {@link #sweep} runs a little at a time);</li>
 * <li>frequent flows are kept: each entry counts its uses (4 bits, halved each time its
 * segment has seen ten times as many new keys as it may hold, as in TinyLFU). A new entry
 * for a full segment competes with the least valuable of a few entries next to its slot
 * (expired first, then fewest uses, then the oldest); it is admitted only if it was used
 * at least as often as that victim, so a flood of one-request keys cannot push out
 * established flows;</li>
 * <li>a doorkeeper (a two-way array of recently seen key hashes with their deadlines)
 * lets a scheduler record a flow placed at its home only on its second request
 * ({@link #seenBefore}), and gives a new entry its second use.</li>
 * </ul>
 * Why not Caffeine: each of its entries costs about 140 bytes (a node, a boxed key, the
 * map's own node) and, at a million entries visited at random, its access-order
 * bookkeeping makes a lookup 10 to 40 times slower than a bare map. Primitive-collection
 * libraries offer compact maps but neither concurrency, nor expiry, nor a size-bounded
 * eviction policy, which is most of this class.
 */
public final class FlowTable {

	private static final int MAX_SEGMENTS = 64;

	/** Coarse time: deadlines are kept in units of 2^20 ns (about 1 ms) in an int. */
	private static final int TIME_SHIFT = 20;

	/** Longest idle timeout the coarse int clock can tell apart from wrap-around. */
	private static final long MAX_IDLE_NANOS = (1L << 30) << TIME_SHIFT;

	private final long maxFlows;

	private final NanoClock clock;

	private final FlowSegment[] segments;

	private final int segmentShift;

	private final FlowDoorkeeper doorkeeper;

	private final AtomicInteger sweepCursor = new AtomicInteger();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder evicted = new LongAdder();

	/**
	 * Create a table.
	 * @param maxFlows most entries for all services together, at least 1
	 * @param clock the time source
	 */
	public FlowTable(long maxFlows, NanoClock clock) {
		if (maxFlows < 1 || maxFlows > (1L << 31)) {
			throw new IllegalArgumentException("maxFlows must be between 1 and 2^31 but was " + maxFlows);
		}
		this.maxFlows = maxFlows;
		this.clock = clock;
		int count = (int) Math.min(MAX_SEGMENTS, Math.max(1, Long.highestOneBit(maxFlows / 256)));
		this.segmentShift = 64 - Integer.numberOfTrailingZeros(count);
		this.segments = new FlowSegment[count];
		for (int i = 0; i < count; i++) {
			// The bound split exactly: the first (maxFlows % count) segments take one
			// more.
			this.segments[i] = new FlowSegment((int) (maxFlows / count + ((i < maxFlows % count) ? 1 : 0)),
					this.rejected, this.evicted);
		}
		// As many slots as the table may hold flows, so that as many flows can pass.
		this.doorkeeper = new FlowDoorkeeper(maxFlows);
	}

	/**
	 * Return the bound of the table.
	 * @return most entries for all services together
	 */
	public long maxFlows() {
		return this.maxFlows;
	}

	/**
	 * Return how many entries the table holds, expired ones not yet swept included.
	 * @return the entry count
	 */
	public long size() {
		long size = 0;
		for (FlowSegment segment : this.segments) {
			size += segment.size();
		}
		return size;
	}

	/**
	 * Return how many new entries were turned away because every candidate victim was
	 * used more often.
	 * @return the count so far
	 */
	public long rejected() {
		return this.rejected.sum();
	}

	/**
	 * Return how many entries were removed, before their idle timeout, to make room for
	 * new ones.
	 * @return the count so far
	 */
	public long evicted() {
		return this.evicted.sum();
	}

	/**
	 * A service's key: the flow-key hash mixed with the service's seed, so that services
	 * sharing the table never share an entry. Never 0.
	 * @param serviceSeed the service's seed
	 * @param keyHash the hash of the flow key
	 * @return the key
	 */
	static long key(long serviceSeed, long keyHash) {
		long z = keyHash ^ serviceSeed;
		z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
		z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
		z ^= z >>> 33;
		return (z != 0) ? z : 1;
	}

	/**
	 * Look up a flow: its pin, or {@code null} if absent or idle past its timeout. A hit
	 * counts as a use and renews the idle deadline.
	 * @param key the flow's key, from {@link #key}
	 * @param idleNanos the idle timeout
	 * @return the pin, or {@code null}
	 */
	@Nullable Pin get(long key, long idleNanos) {
		long nanos = this.clock.nanoTime();
		return segment(key).get(key, coarse(nanos), deadline(nanos, idleNanos));
	}

	/**
	 * Record where a flow goes, atomically: if the flow is now recorded on an instance
	 * other than {@code expected} ({@code null}: not recorded), nothing changes and that
	 * pin is returned, so that concurrent requests of one flow follow the first
	 * placement. Otherwise the flow is recorded on {@code target}, unless the table is
	 * full of more frequent flows, and a pin to {@code target} is returned. A new entry
	 * starts with {@code uses} uses (1 or 2: whether the doorkeeper had seen the key).
	 * @param key the flow's key, from {@link #key}
	 * @param expected the instance the caller saw the flow on, if any
	 * @param target the instance to record
	 * @param home whether {@code target} is the flow's home
	 * @param idleNanos the idle timeout
	 * @param uses the uses a new entry starts with
	 * @return the pin the flow follows
	 */
	Pin place(long key, @Nullable InstanceStats expected, InstanceStats target, boolean home, long idleNanos,
			int uses) {
		long nanos = this.clock.nanoTime();
		return segment(key).place(key, expected, target, home, uses, coarse(nanos), deadline(nanos, idleNanos));
	}

	/**
	 * Doorkeeper: whether a key was seen within the idle timeout; remembers it if not.
	 * Approximate: a later key may take its place (then it was not seen), and a torn or
	 * colliding slot may pass for it (rarely).
	 * @param key the flow's key, from {@link #key}
	 * @param idleNanos the idle timeout
	 * @return whether the key was seen before
	 */
	boolean seenBefore(long key, long idleNanos) {
		long nanos = this.clock.nanoTime();
		return this.doorkeeper.seenBefore(key, coarse(nanos), deadline(nanos, idleNanos));
	}

	/**
	 * Forget expired entries in a slice of the table (a few thousand slots), so that the
	 * counts of idle flows drop even without traffic. Cheap enough to run on a request
	 * thread every refresh interval.
	 */
	void sweep() {
		int i = Math.floorMod(this.sweepCursor.getAndIncrement(), this.segments.length);
		this.segments[i].sweep(coarse(this.clock.nanoTime()), 4096);
	}

	private FlowSegment segment(long key) {
		return this.segments[(this.segmentShift == 64) ? 0 : (int) (key >>> this.segmentShift)];
	}

	private static int coarse(long nanos) {
		return (int) (nanos >> TIME_SHIFT);
	}

	/**
	 * The coarse deadline of an entry used at {@code nanos}: one clock reading per
	 * operation serves both the current coarse time and the deadline.
	 * @param nanos the current time
	 * @param idleNanos the idle timeout
	 * @return the coarse deadline, rounded up so that an entry lives at least its idle
	 * timeout
	 */
	private static int deadline(long nanos, long idleNanos) {
		long idle = Math.min(Math.max(idleNanos, 1), MAX_IDLE_NANOS);
		return (int) ((nanos + idle + (1L << TIME_SHIFT) - 1) >> TIME_SHIFT);
	}

	/**
	 * Where a flow is recorded.
	 *
	 * @param instance the instance serving it
	 * @param home whether that instance is the flow's ring home
	 */
	record Pin(InstanceStats instance, boolean home) {

		AtomicInteger counter() {
			return counter(this.instance, this.home);
		}

		static AtomicInteger counter(InstanceStats instance, boolean home) {
			return home ? instance.homeFlows : instance.pinnedFlows;
		}

	}

}
