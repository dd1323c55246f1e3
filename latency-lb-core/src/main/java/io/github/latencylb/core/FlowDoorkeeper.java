package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Doorkeeper of a {@link FlowTable}: a two-way array of recently seen key hashes with
 * their deadlines (12 bytes a slot, a power of two of at least 1024 and at most 2^22
 * slots). Approximate: a later key may take a key's place (then it was not seen), and a
 * torn or colliding slot may pass for it (rarely). Thread-safe, lock-free.
 */
final class FlowDoorkeeper {

	private final AtomicLongArray keys;

	private final AtomicIntegerArray deadlines;

	private final int mask;

	/**
	 * Create a doorkeeper with about as many slots as the table may hold flows.
	 * @param maxFlows the most flows the table holds
	 */
	FlowDoorkeeper(long maxFlows) {
		int size = (int) Math.min(1 << 22, Math.max(1024, Long.highestOneBit(maxFlows - 1) << 1));
		this.keys = new AtomicLongArray(size);
		this.deadlines = new AtomicIntegerArray(size);
		this.mask = size - 1;
	}

	/**
	 * Whether a key was seen with a deadline not past {@code now} (coarse time);
	 * remembers it until {@code deadline} if not.
	 * @param key the flow key
	 * @param now the current coarse time
	 * @param deadline the coarse time until which to remember the key
	 * @return whether the key was seen before
	 */
	boolean seenBefore(long key, int now, int deadline) {
		// Two slots per key, so that a few colliding flows do not push each other out.
		int first = (int) (key >>> 24) & this.mask;
		int second = (int) (key >>> 44 ^ key) & this.mask;
		int firstDeadline = this.deadlines.getOpaque(first);
		int secondDeadline = this.deadlines.getOpaque(second);
		if ((this.keys.getOpaque(first) == key && now - firstDeadline <= 0)
				|| (this.keys.getOpaque(second) == key && now - secondDeadline <= 0)) {
			return true;
		}
		int slot = (secondDeadline - firstDeadline < 0) ? second : first;
		this.deadlines.setOpaque(slot, deadline);
		this.keys.setOpaque(slot, key);
		return false;
	}

}
