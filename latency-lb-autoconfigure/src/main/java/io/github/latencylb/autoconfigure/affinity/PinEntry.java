package io.github.latencylb.autoconfigure.affinity;

import org.jspecify.annotations.Nullable;

/**
 * What this replica knows of one flow's pin: its version, and when it was last used here,
 * last sent and expires on the other replicas.
 */
final class PinEntry {

	final @Nullable String instanceId;

	final long timestamp;

	final String replica;

	volatile long lastUsed;

	volatile long lastSent;

	volatile long remoteExpires;

	volatile boolean applied;

	PinEntry(PinUpdate update, long lastUsed, long remoteExpires) {
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
