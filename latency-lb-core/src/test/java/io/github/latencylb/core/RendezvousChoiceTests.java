package io.github.latencylb.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Specification of {@link RendezvousChoice}: deterministic per key whatever the order of
 * the candidates, uniform over keys, and stable when a losing candidate leaves.
 */
class RendezvousChoiceTests {

	private static final List<String> CANDIDATES = List.of("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");

	private final SplittableRandom random = new SplittableRandom(42);

	@Test
	void chooseShouldGiveTheSameCandidateForAKeyWhateverTheOrder() {
		for (int i = 0; i < 1000; i++) {
			long key = this.random.nextLong();
			String first = RendezvousChoice.choose(key, CANDIDATES, Function.identity());
			List<String> shuffled = new ArrayList<>(CANDIDATES);
			Collections.shuffle(shuffled, new java.util.Random(i));
			assertThat(RendezvousChoice.choose(key, shuffled, Function.identity())).isEqualTo(first);
		}
	}

	@Test
	void chooseShouldSpreadKeysEvenlyOverTheCandidates() {
		Map<String, Integer> counts = new HashMap<>();
		int keys = 30_000;
		for (int i = 0; i < keys; i++) {
			counts.merge(RendezvousChoice.choose(this.random.nextLong(), CANDIDATES, Function.identity()), 1,
					Integer::sum);
		}
		assertThat(counts).hasSize(3);
		// Each share within 5% of a third (the standard error is about 0.3%).
		counts.values().forEach((count) -> assertThat(count).isBetween(9_500, 10_500));
	}

	@Test
	void chooseShouldNotChangeWhenALosingCandidateLeaves() {
		int changed = 0;
		for (int i = 0; i < 1000; i++) {
			long key = this.random.nextLong();
			String chosen = RendezvousChoice.choose(key, CANDIDATES, Function.identity());
			List<String> fewer = new ArrayList<>(CANDIDATES);
			fewer.remove(CANDIDATES.stream().filter((id) -> !id.equals(chosen)).findFirst().orElseThrow());
			if (!RendezvousChoice.choose(key, fewer, Function.identity()).equals(chosen)) {
				changed++;
			}
		}
		assertThat(changed).isZero();
	}

	@Test
	void chooseShouldDependOnTheKey() {
		long key = this.random.nextLong();
		String chosen = RendezvousChoice.choose(key, CANDIDATES, Function.identity());
		boolean differs = false;
		for (int i = 1; i < 64 && !differs; i++) {
			differs = !RendezvousChoice.choose(key ^ (1L << i), CANDIDATES, Function.identity()).equals(chosen);
		}
		assertThat(differs).isTrue();
	}

	@Test
	void chooseShouldRejectNoCandidate() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RendezvousChoice.choose(1L, List.<String>of(), Function.identity()));
	}

}
