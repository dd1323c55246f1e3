package io.github.latencylb.core;

import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Specification of {@link PeakEwma}: jumps to a new peak, blends lower samples with
 * weight {@code 1 - exp(-dt / tau)}, decays while idle.
 */
class PeakEwmaTests {

	private static final long TAU = 10_000_000_000L;

	private static final long MS = 1_000_000L;

	@Test
	void valueShouldBeMinusOneBeforeAnySample() {
		assertThat(new PeakEwma(TAU, 0).value(5)).isEqualTo(-1);
	}

	@Test
	void sampleAboveShouldReplaceTheValueAtOnce() {
		PeakEwma ewma = new PeakEwma(TAU, 0);
		ewma.observe(10 * MS, 0);
		ewma.observe(500 * MS, 1);
		assertThat(ewma.value(1)).isCloseTo(500 * MS, within(1.0));
	}

	@Test
	void sampleBelowShouldBlendByElapsedTime() {
		PeakEwma ewma = new PeakEwma(TAU, 0);
		ewma.observe(100 * MS, 0);
		// After one tau, the old value decayed to 100/e; the sample (20 ms) is below it
		// and blends in with weight 1 - 1/e.
		ewma.observe(20 * MS, TAU);
		double w = Math.exp(-1);
		assertThat(ewma.value(TAU)).isCloseTo(100 * MS * w + 20 * MS * (1 - w), within(1.0));
	}

	@Test
	void valueShouldDecayWhileIdle() {
		PeakEwma ewma = new PeakEwma(TAU, 0);
		ewma.observe(100 * MS, 0);
		assertThat(ewma.value(TAU)).isCloseTo(100 * MS / Math.E, within(1.0));
		assertThat(ewma.value(5 * TAU)).isLessThan(MS);
	}

	@Test
	void shouldWorkAcrossNanoTimeWrapAround() {
		long start = Long.MAX_VALUE - TAU / 2;
		PeakEwma ewma = new PeakEwma(TAU, start);
		ewma.observe(100 * MS, start);
		long wrapped = start + TAU;
		assertThat(wrapped).isNegative();
		ewma.observe(1 * MS, wrapped);
		double afterBlend = ewma.value(wrapped);
		assertThat(afterBlend).isCloseTo(100 * MS / Math.E + MS * (1 - 1 / Math.E), within(1.0));
		// No time passed since that sample: no further decay.
		assertThat(ewma.value(wrapped)).isEqualTo(afterBlend);
		assertThat(ewma.value(wrapped + TAU)).isCloseTo(afterBlend / Math.E, within(1.0));
	}

	@Test
	void optimisticReadsShouldNeverAcceptAValueWithAnotherSamplesTime() throws InterruptedException {
		PeakEwma ewma = new PeakEwma(TAU, 0);
		// Rising samples, each taken at a time equal to its latency: every update writes
		// a value equal to its time, so a read that mixes two updates shows a difference.
		int updates = 3_000_000;
		AtomicBoolean done = new AtomicBoolean();
		Thread writer = new Thread(() -> {
			for (long i = 1; i <= updates; i++) {
				ewma.observe(i * 1000, i * 1000);
			}
			done.set(true);
		});
		writer.start();
		long accepted = 0;
		long torn = 0;
		while (!done.get()) {
			long version = ewma.readBegin();
			double cost = ewma.rawCost();
			long stamp = ewma.rawStamp();
			if (ewma.readValid(version)) {
				accepted++;
				if (cost >= 0 && cost != stamp) {
					torn++;
				}
			}
		}
		writer.join();
		assertThat(torn).as("accepted reads mixing two updates, of %d", accepted).isZero();
		assertThat(accepted).isPositive();
		assertThat(ewma.lockedSnapshot()).isEqualTo(new PeakEwma.Snapshot(updates * 1000.0, updates * 1000L));
		assertThat(ewma.value(updates * 1000L)).isEqualTo(updates * 1000.0);
	}

	@Test
	void decayShouldBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PeakEwma(0, 0));
	}

}
