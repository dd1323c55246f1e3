package io.github.latencylb.core;

import java.time.Duration;

/**
 * Validation of configuration values, with messages that name the field.
 */
final class ConfigChecks {

	private ConfigChecks() {
	}

	static void present(Object value, String field) {
		check(value != null, field, null, "set");
	}

	static void positive(Duration duration, String field) {
		present(duration, field);
		check(!duration.isNegative() && !duration.isZero(), field, duration, "positive");
	}

	static void notNegative(Duration duration, String field) {
		present(duration, field);
		check(!duration.isNegative(), field, duration, "zero or positive");
	}

	static long nanos(Duration duration, String field) {
		notNegative(duration, field);
		return duration.toNanos();
	}

	static void check(boolean ok, String field, Object value, String expected) {
		if (!ok) {
			throw new IllegalArgumentException(field + " must be " + expected + " but was " + value);
		}
	}

}
