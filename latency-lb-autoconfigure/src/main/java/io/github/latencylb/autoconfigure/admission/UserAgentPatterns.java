package io.github.latencylb.autoconfigure.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * User-agent patterns where {@code *} matches any run of characters and everything else
 * is literal (case-sensitive), matched without regular expressions and without
 * allocating. Immutable and thread-safe.
 */
final class UserAgentPatterns {

	private final List<String[]> patterns;

	private UserAgentPatterns(List<String[]> patterns) {
		this.patterns = patterns;
	}

	static UserAgentPatterns of(List<String> globs) {
		List<String[]> parts = new ArrayList<>(globs.size());
		for (String glob : globs) {
			parts.add(glob.split("\\*", -1));
		}
		return new UserAgentPatterns(List.copyOf(parts));
	}

	boolean isEmpty() {
		return this.patterns.isEmpty();
	}

	boolean matches(String agent) {
		for (String[] parts : this.patterns) {
			if (matches(parts, agent)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether {@code value} matches literal parts separated by wildcards: the first part
	 * is a prefix, the last a suffix, the others occur in order in between (leftmost
	 * occurrence first, which is enough for {@code *}-only globs).
	 * @param parts the literal parts of a glob, split at its wildcards
	 * @param value the value to match
	 * @return whether the value matches
	 */
	static boolean matches(String[] parts, String value) {
		if (parts.length == 1) {
			return value.equals(parts[0]);
		}
		String first = parts[0];
		String last = parts[parts.length - 1];
		if (value.length() < first.length() + last.length() || !value.startsWith(first) || !value.endsWith(last)) {
			return false;
		}
		int from = first.length();
		int end = value.length() - last.length();
		for (int i = 1; i < parts.length - 1; i++) {
			String part = parts[i];
			if (part.isEmpty()) {
				continue;
			}
			int at = value.indexOf(part, from);
			if (at < 0 || at + part.length() > end) {
				return false;
			}
			from = at + part.length();
		}
		return true;
	}

}
