package io.github.latencylb.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FlowDoorkeeper}: a key is seen from its second look until its deadline.
 */
class FlowDoorkeeperTests {

	@Test
	void aKeyShouldBeSeenUntilItsDeadline() {
		FlowDoorkeeper doorkeeper = new FlowDoorkeeper(1_000);
		assertThat(doorkeeper.seenBefore(42L, 100, 200)).isFalse();
		assertThat(doorkeeper.seenBefore(42L, 150, 250)).isTrue();
		assertThat(doorkeeper.seenBefore(42L, 200, 300)).isTrue();
		assertThat(doorkeeper.seenBefore(42L, 201, 301)).isFalse();
		assertThat(doorkeeper.seenBefore(43L, 201, 301)).isFalse();
	}

	@Test
	void twoSlotsShouldKeepAFewCollidingKeys() {
		FlowDoorkeeper doorkeeper = new FlowDoorkeeper(1_000);
		// Same first slot (bits 24+), different second slot.
		long first = 5L << 24;
		long second = (5L << 24) | 1;
		doorkeeper.seenBefore(first, 0, 1_000);
		doorkeeper.seenBefore(second, 0, 1_000);
		assertThat(doorkeeper.seenBefore(first, 10, 1_010)).isTrue();
		assertThat(doorkeeper.seenBefore(second, 10, 1_010)).isTrue();
	}

}
