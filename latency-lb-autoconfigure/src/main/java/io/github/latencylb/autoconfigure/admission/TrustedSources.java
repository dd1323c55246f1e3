package io.github.latencylb.autoconfigure.admission;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A list of client address blocks in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8},
 * or a single address), IPv4 and IPv6. An IPv4-mapped IPv6 address matches as the IPv4
 * address it maps. Immutable and thread-safe; matching allocates nothing beyond the
 * address's own bytes.
 */
final class TrustedSources {

	private final List<Block> blocks;

	private TrustedSources(List<Block> blocks) {
		this.blocks = blocks;
	}

	/**
	 * Parse CIDR blocks. Only literal addresses are accepted: no host name is ever
	 * resolved.
	 * @param cidrs the blocks
	 * @param property the property named in errors
	 * @return the matcher
	 * @throws IllegalArgumentException naming the property and the bad entry
	 */
	static TrustedSources parse(List<String> cidrs, String property) {
		List<Block> blocks = new ArrayList<>(cidrs.size());
		for (int i = 0; i < cidrs.size(); i++) {
			String cidr = cidrs.get(i);
			try {
				blocks.add(Block.parse((cidr != null) ? cidr.trim() : ""));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(
						property + "[" + i + "]: invalid CIDR block '" + cidr + "': " + ex.getMessage(), ex);
			}
		}
		return new TrustedSources(List.copyOf(blocks));
	}

	/**
	 * Return whether no block is configured.
	 * @return whether the list is empty
	 */
	boolean isEmpty() {
		return this.blocks.isEmpty();
	}

	/**
	 * Return whether an address lies in one of the blocks.
	 * @param remote the client address, may be {@code null} or unresolved
	 * @return whether it matches; {@code false} without an address
	 */
	boolean matches(@Nullable InetSocketAddress remote) {
		if (remote == null) {
			return false;
		}
		InetAddress address = remote.getAddress();
		// Spring's forwarded-header handling sets an unresolved address holding the
		// forwarded client's literal: parsed here, never looked up.
		byte[] bytes = (address != null) ? unmapped(address.getAddress()) : literal(remote.getHostString());
		if (bytes == null) {
			return false;
		}
		for (Block block : this.blocks) {
			if (block.contains(bytes)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The bytes of a literal IPv4 or IPv6 address, or {@code null} if it is none.
	 * @param host the host, possibly a name
	 * @return the address bytes, or {@code null}
	 */
	static byte @Nullable [] literal(@Nullable String host) {
		if (host == null) {
			return null;
		}
		String bare = (host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']')
				? host.substring(1, host.length() - 1) : host;
		try {
			return Block.parse(bare).network;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) to its 4 bytes; others unchanged.
	 * @param bytes the bytes of an address
	 * @return the IPv4 bytes of a mapped address, else {@code bytes}
	 */
	static byte[] unmapped(byte[] bytes) {
		if (bytes.length != 16) {
			return bytes;
		}
		for (int i = 0; i < 10; i++) {
			if (bytes[i] != 0) {
				return bytes;
			}
		}
		if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
			return bytes;
		}
		return new byte[] { bytes[12], bytes[13], bytes[14], bytes[15] };
	}

	private record Block(byte[] network, int prefix) {

		static Block parse(String cidr) {
			int slash = cidr.indexOf('/');
			String host = (slash >= 0) ? cidr.substring(0, slash) : cidr;
			if (host.isEmpty()) {
				throw new IllegalArgumentException("no address");
			}
			for (int i = 0; i < host.length(); i++) {
				char c = host.charAt(i);
				if (!(c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
					throw new IllegalArgumentException("not an IPv4 or IPv6 address");
				}
			}
			if (host.indexOf(':') < 0 && !isDottedQuad(host)) {
				throw new IllegalArgumentException("not an IPv4 or IPv6 address");
			}
			byte[] address;
			try {
				// A literal address (checked above; an IPv6 one in brackets, so that a
				// malformed one fails instead of being looked up): never a name lookup.
				String literal = (host.indexOf(':') >= 0) ? "[" + host + "]" : host;
				address = unmapped(InetAddress.getByName(literal).getAddress());
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException("not an IPv4 or IPv6 address", ex);
			}
			int bits = address.length * 8;
			int prefix = bits;
			if (slash >= 0) {
				String length = cidr.substring(slash + 1);
				try {
					prefix = Integer.parseInt(length);
				}
				catch (NumberFormatException ex) {
					throw new IllegalArgumentException("prefix length '" + length + "' is not a number", ex);
				}
				if (address.length == 4 && host.indexOf(':') >= 0 && prefix >= 96) {
					// ::ffff:a.b.c.d/n with n counted over 128 bits.
					prefix -= 96;
				}
				if (prefix < 0 || prefix > bits) {
					throw new IllegalArgumentException("prefix length must be 0 to " + bits);
				}
			}
			byte[] network = address.clone();
			for (int bit = prefix; bit < bits; bit++) {
				if ((network[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
					throw new IllegalArgumentException("address has bits set beyond the prefix length " + prefix);
				}
			}
			return new Block(network, prefix);
		}

		private static boolean isDottedQuad(String host) {
			String[] parts = host.split("\\.", -1);
			if (parts.length != 4) {
				return false;
			}
			for (String part : parts) {
				if (part.isEmpty() || part.length() > 3) {
					return false;
				}
				for (int i = 0; i < part.length(); i++) {
					if (!Character.isDigit(part.charAt(i))) {
						return false;
					}
				}
				if (Integer.parseInt(part) > 255) {
					return false;
				}
			}
			return true;
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int full = this.prefix / 8;
			for (int i = 0; i < full; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xff << (8 - rest)) & 0xff;
			return (address[full] & mask) == (this.network[full] & mask);
		}

	}

}
