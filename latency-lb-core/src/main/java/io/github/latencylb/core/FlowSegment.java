package io.github.latencylb.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * One lock's share of a {@link FlowTable}: primitive open-addressing arrays (per slot, a
 * 64-bit key and, next to it in the same array, a word holding the int idle deadline in
 * coarse time and a byte of uses and home flag, so that a lookup reads one cache line for
 * both; and an instance reference in a second array; at most 75% full), linear probing,
 * deletion by backward shift, and TinyLFU-like admission when full. Thread-safe (one
 * lock).
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

	/**
	 * Two longs per slot: the key (0 when empty), then the idle deadline (coarse clock,
	 * high 32 bits) with the uses (low 4 bits) and the home flag (bit 7).
	 */
	private long[] slots = new long[0];

	private InstanceStats[] instances = new InstanceStats[0];

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
		int m = meta(slot);
		if (now - deadline(slot) > 0) {
			remove(slot);
			return null;
		}
		setState(slot, deadline, ((m & MAX_USES) < MAX_USES) ? m + 1 : m);
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
			boolean currentHome = (meta(slot) & HOME_BIT) != 0;
			if (current != expected) {
				return new FlowTable.Pin(current, currentHome);
			}
			FlowTable.Pin.counter(current, currentHome).decrementAndGet();
			FlowTable.Pin.counter(target, home).incrementAndGet();
			this.instances[slot] = target;
			setState(slot, deadline, (meta(slot) & MAX_USES) | (home ? HOME_BIT : 0));
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
		int capacity = this.instances.length;
		if (capacity == 0) {
			return;
		}
		for (int n = 0; n < Math.min(slots, capacity); n++) {
			int slot = this.sweepIndex & (capacity - 1);
			if (this.slots[2 * slot] != 0 && expired(slot, now)) {
				// Backward shift may move another entry here: look at this slot
				// again.
				remove(slot);
			}
			else {
				this.sweepIndex++;
			}
		}
	}

	private long key(int slot) {
		return this.slots[2 * slot];
	}

	private int deadline(int slot) {
		return (int) (this.slots[2 * slot + 1] >>> 32);
	}

	private int meta(int slot) {
		return (int) this.slots[2 * slot + 1] & 0xFF;
	}

	private void setState(int slot, int deadline, int meta) {
		this.slots[2 * slot + 1] = ((long) deadline << 32) | (meta & 0xFF);
	}

	private boolean expired(int slot, int now) {
		return now - deadline(slot) > 0;
	}

	private int find(long key) {
		long[] slots = this.slots;
		int mask = (slots.length >>> 1) - 1;
		if (mask < 0) {
			return -1;
		}
		for (int slot = (int) key & mask;; slot = (slot + 1) & mask) {
			long k = slots[2 * slot];
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
		int mask = this.instances.length - 1;
		int start = ((int) key + ThreadLocalRandom.current().nextInt(VICTIM_SAMPLE)) & mask;
		int victim = -1;
		int seen = 0;
		int sample = Math.min(VICTIM_SAMPLE, this.count);
		for (int slot = start; seen < sample; slot = (slot + 1) & mask) {
			if (key(slot) == 0) {
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
		if (!expired && (meta(victim) & MAX_USES) > uses) {
			return false;
		}
		if (!expired) {
			this.evicted.increment();
		}
		remove(victim);
		return true;
	}

	private boolean lessValuable(int slot, int than) {
		int a = meta(slot) & MAX_USES;
		int b = meta(than) & MAX_USES;
		return (a != b) ? a < b : deadline(slot) - deadline(than) < 0;
	}

	private void insert(long key, InstanceStats target, boolean home, int uses, int deadline) {
		if ((this.count + 1) * 4L > this.instances.length * 3L) {
			grow();
		}
		int mask = this.instances.length - 1;
		int slot = (int) key & mask;
		while (key(slot) != 0) {
			slot = (slot + 1) & mask;
		}
		this.slots[2 * slot] = key;
		this.instances[slot] = target;
		setState(slot, deadline, uses | (home ? HOME_BIT : 0));
		this.count++;
		FlowTable.Pin.counter(target, home).incrementAndGet();
	}

	/** Halve every entry's uses, so that flows frequent long ago can be replaced. */
	private void age() {
		this.insertionsSinceAging = 0;
		for (int slot = 0; slot < this.instances.length; slot++) {
			int m = meta(slot);
			setState(slot, deadline(slot), (m & HOME_BIT) | ((m & MAX_USES) >>> 1));
		}
	}

	private void grow() {
		int capacity = Math.max(MIN_CAPACITY, this.instances.length * 2);
		if (capacity > this.maxCapacity) {
			return;
		}
		long[] oldSlots = this.slots;
		InstanceStats[] oldInstances = this.instances;
		this.slots = new long[2 * capacity];
		this.instances = new InstanceStats[capacity];
		int mask = capacity - 1;
		for (int i = 0; i < oldInstances.length; i++) {
			long key = oldSlots[2 * i];
			if (key != 0) {
				int slot = (int) key & mask;
				while (key(slot) != 0) {
					slot = (slot + 1) & mask;
				}
				this.slots[2 * slot] = key;
				this.slots[2 * slot + 1] = oldSlots[2 * i + 1];
				this.instances[slot] = oldInstances[i];
			}
		}
	}

	/**
	 * Remove a slot's entry and shift back the entries of its probe run.
	 * @param slot the slot to empty
	 */
	private void remove(int slot) {
		FlowTable.Pin.counter(this.instances[slot], (meta(slot) & HOME_BIT) != 0).decrementAndGet();
		this.count--;
		int mask = this.instances.length - 1;
		int hole = slot;
		for (int next = (hole + 1) & mask;; next = (next + 1) & mask) {
			long k = key(next);
			if (k == 0) {
				break;
			}
			int ideal = (int) k & mask;
			// Move the entry into the hole unless its ideal slot lies cyclically in
			// (hole, next].
			boolean stays = (hole <= next) ? (hole < ideal && ideal <= next) : (hole < ideal || ideal <= next);
			if (!stays) {
				this.slots[2 * hole] = k;
				this.slots[2 * hole + 1] = this.slots[2 * next + 1];
				this.instances[hole] = this.instances[next];
				hole = next;
			}
		}
		this.slots[2 * hole] = 0;
		this.slots[2 * hole + 1] = 0;
		this.instances[hole] = null;
	}

}
