package io.github.latencylb.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * Bounded table of active flows, shared by the schedulers of every service of a gateway:
 * flow-key hash to the instance that serves it. Only 64-bit key hashes are stored, never
 * raw keys, in primitive open-addressing arrays (about 17 bytes a slot, at most 75% full,
 * so at most 46 bytes per tracked flow once the table has grown), split into segments
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

	private static final int MIN_CAPACITY = 16;

	private static final int VICTIM_SAMPLE = 8;

	private static final int MAX_USES = 15;

	/** New keys, in multiples of a segment's bound, between two halvings of the uses. */
	private static final int AGING_PERIOD = 10;

	private static final int HOME_BIT = 0x80;

	/** Coarse time: deadlines are kept in units of 2^20 ns (about 1 ms) in an int. */
	private static final int TIME_SHIFT = 20;

	/** Longest idle timeout the coarse int clock can tell apart from wrap-around. */
	private static final long MAX_IDLE_NANOS = (1L << 30) << TIME_SHIFT;

	private final long maxFlows;

	private final NanoClock clock;

	private final Segment[] segments;

	private final int segmentShift;

	private final AtomicLongArray doorkeeper;

	private final AtomicIntegerArray doorkeeperDeadlines;

	private final int doorkeeperMask;

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
		this.segments = new Segment[count];
		for (int i = 0; i < count; i++) {
			// The bound split exactly: the first (maxFlows % count) segments take one
			// more.
			this.segments[i] = new Segment((int) (maxFlows / count + ((i < maxFlows % count) ? 1 : 0)));
		}
		// As many slots as the table may hold flows, so that as many flows can pass.
		int doorkeeperSize = (int) Math.min(1 << 22, Math.max(1024, Long.highestOneBit(maxFlows - 1) << 1));
		this.doorkeeper = new AtomicLongArray(doorkeeperSize);
		this.doorkeeperDeadlines = new AtomicIntegerArray(doorkeeperSize);
		this.doorkeeperMask = doorkeeperSize - 1;
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
		for (Segment segment : this.segments) {
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
	 */
	@Nullable Pin get(long key, long idleNanos) {
		return segment(key).get(key, now(), deadline(idleNanos));
	}

	/**
	 * Record where a flow goes, atomically: if the flow is now recorded on an instance
	 * other than {@code expected} ({@code null}: not recorded), nothing changes and that
	 * pin is returned, so that concurrent requests of one flow follow the first
	 * placement. Otherwise the flow is recorded on {@code target}, unless the table is
	 * full of more frequent flows, and a pin to {@code target} is returned. A new entry
	 * starts with {@code uses} uses (1 or 2: whether the doorkeeper had seen the key).
	 */
	Pin place(long key, @Nullable InstanceStats expected, InstanceStats target, boolean home, long idleNanos,
			int uses) {
		return segment(key).place(key, expected, target, home, uses, now(), deadline(idleNanos));
	}

	/**
	 * Doorkeeper: whether a key was seen within the idle timeout; remembers it if not.
	 * Approximate: a later key may take its place (then it was not seen), and a torn or
	 * colliding slot may pass for it (rarely).
	 */
	boolean seenBefore(long key, long idleNanos) {
		int now = now();
		// Two slots per key, so that a few colliding flows do not push each other out.
		int first = (int) (key >>> 24) & this.doorkeeperMask;
		int second = (int) (key >>> 44 ^ key) & this.doorkeeperMask;
		int firstDeadline = this.doorkeeperDeadlines.getOpaque(first);
		int secondDeadline = this.doorkeeperDeadlines.getOpaque(second);
		if ((this.doorkeeper.getOpaque(first) == key && now - firstDeadline <= 0)
				|| (this.doorkeeper.getOpaque(second) == key && now - secondDeadline <= 0)) {
			return true;
		}
		int slot = (secondDeadline - firstDeadline < 0) ? second : first;
		this.doorkeeperDeadlines.setOpaque(slot, deadline(idleNanos));
		this.doorkeeper.setOpaque(slot, key);
		return false;
	}

	/**
	 * Forget expired entries in a slice of the table (a few thousand slots), so that the
	 * counts of idle flows drop even without traffic. Cheap enough to run on a request
	 * thread every refresh interval.
	 */
	void sweep() {
		int i = Math.floorMod(this.sweepCursor.getAndIncrement(), this.segments.length);
		this.segments[i].sweep(now(), 4096);
	}

	private Segment segment(long key) {
		return this.segments[(this.segmentShift == 64) ? 0 : (int) (key >>> this.segmentShift)];
	}

	private int now() {
		return (int) (this.clock.nanoTime() >> TIME_SHIFT);
	}

	private int deadline(long idleNanos) {
		long idle = Math.min(Math.max(idleNanos, 1), MAX_IDLE_NANOS);
		// Rounded up, so that an entry lives at least its idle timeout.
		return (int) ((this.clock.nanoTime() + idle + (1L << TIME_SHIFT) - 1) >> TIME_SHIFT);
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

	/**
	 * One lock's share of the table: linear probing, deletion by backward shift.
	 */
	private final class Segment {

		private final int maxEntries;

		private final int maxCapacity;

		private long[] keys = new long[0];

		private InstanceStats[] instances = new InstanceStats[0];

		/** Idle deadline, coarse clock. */
		private int[] deadlines = new int[0];

		/** Uses (low 4 bits) and the home flag. */
		private byte[] meta = new byte[0];

		private int count;

		private int insertionsSinceAging;

		private int sweepIndex;

		Segment(int maxEntries) {
			this.maxEntries = maxEntries;
			int capacity = MIN_CAPACITY;
			while (capacity * 3L / 4 < maxEntries) {
				capacity <<= 1;
			}
			this.maxCapacity = capacity;
		}

		synchronized int size() {
			return this.count;
		}

		synchronized @Nullable Pin get(long key, int now, int deadline) {
			int slot = find(key);
			if (slot < 0) {
				return null;
			}
			if (expired(slot, now)) {
				remove(slot);
				return null;
			}
			this.deadlines[slot] = deadline;
			int m = this.meta[slot];
			if ((m & MAX_USES) < MAX_USES) {
				this.meta[slot] = (byte) (m + 1);
			}
			return new Pin(this.instances[slot], (m & HOME_BIT) != 0);
		}

		synchronized Pin place(long key, @Nullable InstanceStats expected, InstanceStats target, boolean home, int uses,
				int now, int deadline) {
			int slot = find(key);
			if (slot >= 0 && expired(slot, now)) {
				remove(slot);
				slot = -1;
			}
			if (slot >= 0) {
				InstanceStats current = this.instances[slot];
				boolean currentHome = (this.meta[slot] & HOME_BIT) != 0;
				if (current != expected) {
					return new Pin(current, currentHome);
				}
				Pin.counter(current, currentHome).decrementAndGet();
				Pin.counter(target, home).incrementAndGet();
				this.instances[slot] = target;
				this.deadlines[slot] = deadline;
				this.meta[slot] = (byte) ((this.meta[slot] & MAX_USES) | (home ? HOME_BIT : 0));
				return new Pin(target, home);
			}
			if (++this.insertionsSinceAging >= AGING_PERIOD * this.maxEntries) {
				age();
			}
			if (this.count >= this.maxEntries && !evictFor(key, uses, now)) {
				FlowTable.this.rejected.increment();
				return new Pin(target, home);
			}
			insert(key, target, home, uses, deadline);
			return new Pin(target, home);
		}

		synchronized void sweep(int now, int slots) {
			int capacity = this.keys.length;
			if (capacity == 0) {
				return;
			}
			for (int n = 0; n < Math.min(slots, capacity); n++) {
				int slot = this.sweepIndex & (capacity - 1);
				if (this.keys[slot] != 0 && expired(slot, now)) {
					// Backward shift may move another entry here: look at this slot
					// again.
					remove(slot);
				}
				else {
					this.sweepIndex++;
				}
			}
		}

		private boolean expired(int slot, int now) {
			return now - this.deadlines[slot] > 0;
		}

		private int find(long key) {
			long[] keys = this.keys;
			if (keys.length == 0) {
				return -1;
			}
			int mask = keys.length - 1;
			for (int slot = (int) key & mask;; slot = (slot + 1) & mask) {
				long k = keys[slot];
				if (k == key) {
					return slot;
				}
				if (k == 0) {
					return -1;
				}
			}
		}

		/**
		 * Make room for a key with {@code uses} uses: remove the least valuable of the
		 * entries that follow its slot, if it is expired or not used more often.
		 */
		private boolean evictFor(long key, int uses, int now) {
			int mask = this.keys.length - 1;
			int start = ((int) key + ThreadLocalRandom.current().nextInt(VICTIM_SAMPLE)) & mask;
			int victim = -1;
			int seen = 0;
			int sample = Math.min(VICTIM_SAMPLE, this.count);
			for (int slot = start; seen < sample; slot = (slot + 1) & mask) {
				if (this.keys[slot] == 0) {
					continue;
				}
				seen++;
				if (expired(slot, now)) {
					victim = slot;
					break;
				}
				if (victim < 0 || lessValuable(slot, victim)) {
					victim = slot;
				}
			}
			boolean expired = expired(victim, now);
			if (!expired && (this.meta[victim] & MAX_USES) > uses) {
				return false;
			}
			if (!expired) {
				FlowTable.this.evicted.increment();
			}
			remove(victim);
			return true;
		}

		private boolean lessValuable(int slot, int than) {
			int a = this.meta[slot] & MAX_USES;
			int b = this.meta[than] & MAX_USES;
			return (a != b) ? a < b : this.deadlines[slot] - this.deadlines[than] < 0;
		}

		private void insert(long key, InstanceStats target, boolean home, int uses, int deadline) {
			if ((this.count + 1) * 4L > this.keys.length * 3L) {
				grow();
			}
			int mask = this.keys.length - 1;
			int slot = (int) key & mask;
			while (this.keys[slot] != 0) {
				slot = (slot + 1) & mask;
			}
			this.keys[slot] = key;
			this.instances[slot] = target;
			this.deadlines[slot] = deadline;
			this.meta[slot] = (byte) (uses | (home ? HOME_BIT : 0));
			this.count++;
			Pin.counter(target, home).incrementAndGet();
		}

		/** Halve every entry's uses, so that flows frequent long ago can be replaced. */
		private void age() {
			this.insertionsSinceAging = 0;
			for (int i = 0; i < this.meta.length; i++) {
				int m = this.meta[i];
				this.meta[i] = (byte) ((m & HOME_BIT) | ((m & MAX_USES) >>> 1));
			}
		}

		private void grow() {
			int capacity = Math.max(MIN_CAPACITY, this.keys.length * 2);
			if (capacity > this.maxCapacity) {
				return;
			}
			long[] oldKeys = this.keys;
			InstanceStats[] oldInstances = this.instances;
			int[] oldDeadlines = this.deadlines;
			byte[] oldMeta = this.meta;
			this.keys = new long[capacity];
			this.instances = new InstanceStats[capacity];
			this.deadlines = new int[capacity];
			this.meta = new byte[capacity];
			int mask = capacity - 1;
			for (int i = 0; i < oldKeys.length; i++) {
				if (oldKeys[i] != 0) {
					int slot = (int) oldKeys[i] & mask;
					while (this.keys[slot] != 0) {
						slot = (slot + 1) & mask;
					}
					this.keys[slot] = oldKeys[i];
					this.instances[slot] = oldInstances[i];
					this.deadlines[slot] = oldDeadlines[i];
					this.meta[slot] = oldMeta[i];
				}
			}
		}

		/** Remove a slot's entry and shift back the entries of its probe run. */
		private void remove(int slot) {
			Pin.counter(this.instances[slot], (this.meta[slot] & HOME_BIT) != 0).decrementAndGet();
			this.count--;
			int mask = this.keys.length - 1;
			int hole = slot;
			for (int next = (hole + 1) & mask;; next = (next + 1) & mask) {
				long k = this.keys[next];
				if (k == 0) {
					break;
				}
				int ideal = (int) k & mask;
				// Move the entry into the hole unless its ideal slot lies cyclically in
				// (hole, next].
				boolean stays = (hole <= next) ? (hole < ideal && ideal <= next) : (hole < ideal || ideal <= next);
				if (!stays) {
					this.keys[hole] = k;
					this.instances[hole] = this.instances[next];
					this.deadlines[hole] = this.deadlines[next];
					this.meta[hole] = this.meta[next];
					hole = next;
				}
			}
			this.keys[hole] = 0;
			this.instances[hole] = null;
			this.deadlines[hole] = 0;
			this.meta[hole] = 0;
		}

	}

}
