package io.github.latencylb.benchmarks.simulation;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Flow popularity draws what it says.
 */
class FlowPopularityTests {

	@Test
	void hotFlowShouldCarryItsShare() {
		FlowPopularity popularity = new FlowPopularity(1000, 0.6, 0.3);
		SplittableRandom random = new SplittableRandom(1);
		int hot = 0;
		int n = 200_000;
		for (int i = 0; i < n; i++) {
			int flow = popularity.sample(random);
			assertThat(flow).isBetween(0, 999);
			if (flow == 0) {
				hot++;
			}
		}
		assertThat((double) hot / n).isCloseTo(0.3, within(0.005));
	}

	@Test
	void uniformPopularityShouldSpreadEvenly() {
		FlowPopularity popularity = new FlowPopularity(4, 0, 0);
		SplittableRandom random = new SplittableRandom(1);
		int[] counts = new int[4];
		for (int i = 0; i < 100_000; i++) {
			counts[popularity.sample(random)]++;
		}
		for (int count : counts) {
			assertThat(count).isCloseTo(25_000, within(1_000));
		}
	}

}
