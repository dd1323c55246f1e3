package io.github.latencylb.autoconfigure.affinity;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoding of pin changes (pub/sub messages and Redis values) and their versions.
 */
class PinUpdateTests {

	@Test
	void encodeThenDecodeShouldGiveTheSameUpdatesWhateverTheIds() {
		List<PinUpdate> updates = List.of(
				new PinUpdate("svc", -42L, "10.0.0.1:8080", 123456789L, "abc", 1800000, false),
				new PinUpdate("odd|svc%\nname", 7L, null, 5L, "def", 1000, true),
				new PinUpdate("svc", Long.MAX_VALUE, "id|with|bars", Long.MAX_VALUE, "abc", 1, false));
		assertThat(PinUpdate.decode(PinUpdate.encode(updates))).isEqualTo(updates);
	}

	@Test
	void decodeShouldSkipMalformedLines() {
		String good = PinUpdate.encode(List.of(new PinUpdate("svc", 1L, "a", 2L, "r", 10, false)));
		assertThat(PinUpdate.decode("garbage\nC|svc|zz|00|r|1|a\n" + good + "\n\n")).hasSize(1);
	}

	@Test
	void storeValueShouldRoundTripAndCompareAsItsVersion() {
		PinUpdate update = new PinUpdate("svc", 99L, "b:1", 0x1234L, "replica1", 500, false);
		PinUpdate read = PinUpdate.fromStore("svc", 99L, update.storeValue(), 500);
		assertThat(read).isEqualTo(update);
		PinUpdate tombstone = new PinUpdate("svc", 99L, null, 0x1235L, "replica0", 500, false);
		assertThat(PinUpdate.fromStore("svc", 99L, tombstone.storeValue(), 500).instanceId()).isNull();
		// Newest timestamp wins, then the replica id; the strings compare the same way.
		assertThat(tombstone.compareVersion(update.timestamp(), update.replica())).isPositive();
		assertThat(tombstone.version().compareTo(update.version())).isPositive();
		assertThat(PinUpdate.fromStore("svc", 1L, "not a value", 1)).isNull();
	}

	@Test
	void hybridLogicalClockShouldNeverGoBackAndShouldPassObservedTimestamps() {
		AtomicLong wall = new AtomicLong(1_000);
		HybridLogicalClock clock = new HybridLogicalClock(wall::get);
		long first = clock.now();
		long second = clock.now();
		assertThat(second).isGreaterThan(first);
		assertThat(HybridLogicalClock.millis(second)).isEqualTo(1_000);
		wall.set(900);
		assertThat(clock.now()).isGreaterThan(second);
		long remote = (5_000L << 16) + 3;
		clock.observe(remote);
		assertThat(clock.now()).isGreaterThan(remote);
	}

}
