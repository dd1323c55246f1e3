package io.github.latencylb.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * One lock's share of a {@link FlowTable}: primitive open-addressing arrays (a 64-bit
 * key, an instance reference, an int idle deadline in coarse time and a byte of uses and
 * home flag per slot, at most 75% full), linear probing, deletion by backward shift, and
 * TinyLFU-like admission when full. Thread-safe (one lock).
 */
final class FlowSegment {

	private static final int MIN_CAPACITY = 16;

	private static final int VICTIM_SAMPLE = 8;

	private static final int MAX_USES = 15;

	/** New keys, in multiples of a segment's bound, between two halvings of the uses. */
	private static final int AGING_PERIOD = 10;

	private static final int HOME_BIT = 0x80;

	private final LongAdder rejected;

	private final LongAdder evicted;

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

	FlowSegment(int maxEntries, LongAdder rejected, LongAdder evicted) {
		this.rejected = rejected;
		this.evicted = evicted;
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

	synchronized FlowTable.@Nullable Pin get(long key, int now, int deadline) {
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
		return new FlowTable.Pin(this.instances[slot], (m & HOME_BIT) != 0);
	}

	synchronized FlowTable.Pin place(long key, @Nullable InstanceStats expected, InstanceStats target, boolean home,
			int uses, int now, int deadline) {
		int slot = find(key);
		if (slot >= 0 && expired(slot, now)) {
			remove(slot);
			slot = -1;
		}
		if (slot >= 0) {
			InstanceStats current = this.instances[slot];
			boolean currentHome = (this.meta[slot] & HOME_BIT) != 0;
			if (current != expected) {
				return new FlowTable.Pin(current, currentHome);
			}
			FlowTable.Pin.counter(current, currentHome).decrementAndGet();
			FlowTable.Pin.counter(target, home).incrementAndGet();
			this.instances[slot] = target;
			this.deadlines[slot] = deadline;
			this.meta[slot] = (byte) ((this.meta[slot] & MAX_USES) | (home ? HOME_BIT : 0));
			return new FlowTable.Pin(target, home);
		}
		if (++this.insertionsSinceAging >= AGING_PERIOD * this.maxEntries) {
			age();
		}
		if (this.count >= this.maxEntries && !evictFor(key, uses, now)) {
			this.rejected.increment();
			return new FlowTable.Pin(target, home);
		}
		insert(key, target, home, uses, deadline);
		return new FlowTable.Pin(target, home);
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
	 * @param key the key to insert
	 * @param uses the uses the new entry starts with
	 * @param now the current coarse time
	 * @return whether an entry was removed
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
			this.evicted.increment();
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
		FlowTable.Pin.counter(target, home).incrementAndGet();
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

	/**
	 * Remove a slot's entry and shift back the entries of its probe run.
	 * @param slot the slot to empty
	 */
	private void remove(int slot) {
		FlowTable.Pin.counter(this.instances[slot], (this.meta[slot] & HOME_BIT) != 0).decrementAndGet();
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
