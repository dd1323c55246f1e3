package io.github.latencylb.autoconfigure.affinity;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One pin change as replicas exchange it: where a flow (by key hash, never the key) of a
 * service is recorded, or {@code null} for its home (a tombstone), with its version (a
 * {@link HybridLogicalClock hybrid logical timestamp} and the replica that made it; the
 * newest wins). A touch repeats a pin with its version unchanged, to keep it from going
 * idle elsewhere.
 *
 * @param service the service id
 * @param keyHash the 64-bit hash of the flow key
 * @param instanceId the instance, or {@code null} for the flow's home
 * @param timestamp the hybrid logical timestamp of the change
 * @param replica the replica that made the change
 * @param ttlMillis how long the pin lives without a request (the idle timeout)
 * @param touch whether this only keeps an unchanged pin alive
 */
record PinUpdate(String service, long keyHash, @Nullable String instanceId, long timestamp, String replica,
		long ttlMillis, boolean touch) {

	private static final HexFormat HEX = HexFormat.of();

	/**
	 * Compare versions: timestamp, then replica id.
	 */
	int compareVersion(long otherTimestamp, String otherReplica) {
		int byTime = Long.compareUnsigned(this.timestamp, otherTimestamp);
		return (byTime != 0) ? byTime : this.replica.compareTo(otherReplica);
	}

	/**
	 * Return the version as stored in Redis: fixed-width hex timestamp, then the replica
	 * id, so that comparing the strings compares the versions.
	 */
	String version() {
		return HEX.toHexDigits(this.timestamp) + "|" + this.replica;
	}

	/**
	 * Return the Redis value: version, then instance (empty for home).
	 */
	String storeValue() {
		return version() + "|" + escape((this.instanceId != null) ? this.instanceId : "");
	}

	/**
	 * Parse a Redis value written by {@link #storeValue()}.
	 * @return the update, or {@code null} if malformed
	 */
	static @Nullable PinUpdate fromStore(String service, long keyHash, String value, long ttlMillis) {
		String[] parts = value.split("\\|", -1);
		if (parts.length != 3 || parts[0].length() != 16) {
			return null;
		}
		try {
			String instance = unescape(parts[2]);
			return new PinUpdate(service, keyHash, instance.isEmpty() ? null : instance,
					HexFormat.fromHexDigitsToLong(parts[0]), parts[1], ttlMillis, false);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Return the hash part of a Redis key.
	 */
	String keyHashHex() {
		return HEX.toHexDigits(this.keyHash);
	}

	/**
	 * Encode a batch for pub/sub: one line per update.
	 */
	static String encode(List<PinUpdate> updates) {
		StringBuilder out = new StringBuilder(updates.size() * 96);
		for (PinUpdate u : updates) {
			out.append(u.touch ? 'T' : 'C')
				.append('|')
				.append(escape(u.service))
				.append('|')
				.append(HEX.toHexDigits(u.keyHash))
				.append('|')
				.append(HEX.toHexDigits(u.timestamp))
				.append('|')
				.append(u.replica)
				.append('|')
				.append(u.ttlMillis)
				.append('|')
				.append(escape((u.instanceId != null) ? u.instanceId : ""))
				.append('\n');
		}
		return out.toString();
	}

	/**
	 * Decode a pub/sub batch; malformed lines are skipped.
	 */
	static List<PinUpdate> decode(String message) {
		List<PinUpdate> updates = new ArrayList<>();
		for (String line : message.split("\n")) {
			String[] f = line.split("\\|", -1);
			if (f.length != 7 || f[0].length() != 1 || f[2].length() != 16 || f[3].length() != 16) {
				continue;
			}
			try {
				String instance = unescape(f[6]);
				updates.add(new PinUpdate(unescape(f[1]), HexFormat.fromHexDigitsToLong(f[2]),
						instance.isEmpty() ? null : instance, HexFormat.fromHexDigitsToLong(f[3]), f[4],
						Long.parseLong(f[5]), f[0].equals("T")));
			}
			catch (IllegalArgumentException ex) {
				// Skipped: not written by this version of latency-lb.
			}
		}
		return updates;
	}

	/**
	 * Percent-encode the separators ('|', newline) and '%' itself.
	 */
	static String escape(String value) {
		if (value.indexOf('|') < 0 && value.indexOf('\n') < 0 && value.indexOf('%') < 0 && value.indexOf('\r') < 0) {
			return value;
		}
		return value.replace("%", "%25").replace("|", "%7C").replace("\n", "%0A").replace("\r", "%0D");
	}

	static String unescape(String value) {
		if (value.indexOf('%') < 0) {
			return value;
		}
		return value.replace("%0D", "\r").replace("%0A", "\n").replace("%7C", "|").replace("%25", "%");
	}

}
