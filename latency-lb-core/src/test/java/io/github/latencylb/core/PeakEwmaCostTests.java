package io.github.latencylb.core;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link PeakEwmaCost}: the fleet median stands in for an instance with no sample, and
 * the scores scale with in-flight requests and weight.
 */
class PeakEwmaCostTests {

	private static final long NOW = 1_000_000_000L;

	private final SchedulerConfig config = SchedulerConfig.ofDefaults();

	private final PeakEwmaCost cost = new PeakEwmaCost();

	@Test
	void costOfAnInstanceWithoutSampleShouldBeTheFleetLowerMedian() {
		InstanceStats fresh = instance("fresh", 1);
		assertThat(this.cost.cost(fresh, NOW)).isEqualTo(1_000_000);
		InstanceStats a = observed("a", 2_000_000);
		InstanceStats b = observed("b", 4_000_000);
		InstanceStats c = observed("c", 8_000_000);
		this.cost.refresh(List.of(a, b, c, fresh), NOW);
		assertThat(this.cost.cost(fresh, NOW)).isEqualTo(4_000_000);
		assertThat(this.cost.cost(c, NOW)).isEqualTo(8_000_000);
	}

	@Test
	void keylessScoreShouldScaleInflightByWarmthAndDivideByWeight() {
		InstanceStats a = observed("a", 2_000_000);
		a.inflight = 3;
		assertThat(this.cost.keylessScore(a, 1.0, NOW)).isEqualTo(2_000_000 * 4.0);
		assertThat(this.cost.keylessScore(a, 0.5, NOW)).isEqualTo(2_000_000 * 7.0);
	}

	@Test
	void keylessComparisonShouldReadUnderTheLockRatherThanWaitForAnUpdateThatSeemsUnderWay() throws Exception {
		long decay = this.config.latency().decay().toNanos();
		InstanceStats a = observedAt("a", 4_000_000, NOW + decay);
		InstanceStats b = observedAt("b", 8_000_000, NOW);
		long now = NOW + decay;
		// As if b's writer had been preempted between its writes: its version stays odd,
		// so no optimistic read of b ever validates.
		Field version = PeakEwma.class.getDeclaredField("version");
		version.setAccessible(true);
		version.setLong(b.ewma, 1);
		assertThat(CompletableFuture.supplyAsync(() -> this.cost.keylessNoWorse(b, 1.0, a, 1.0, now)))
			.succeedsWithin(Duration.ofSeconds(10))
			.isEqualTo(true);
		assertThat(CompletableFuture.supplyAsync(() -> this.cost.keylessNoWorse(a, 1.0, b, 1.0, now)))
			.succeedsWithin(Duration.ofSeconds(10))
			.isEqualTo(false);
		assertThat(CompletableFuture.supplyAsync(() -> b.ewma.value(now))).succeedsWithin(Duration.ofSeconds(10))
			.satisfies((value) -> assertThat(value).isCloseTo(8_000_000 * Math.exp(-1), within(1.0)));
	}

	@Test
	void keylessComparisonShouldAgreeWithTheScoresItAvoidsComputing() {
		long decay = this.config.latency().decay().toNanos();
		// b's sample is one decay older: 8 ms decayed by e^-1 is 2.94 ms, below a's 4 ms.
		InstanceStats a = observedAt("a", 4_000_000, NOW + decay);
		InstanceStats b = observedAt("b", 8_000_000, NOW);
		long now = NOW + decay;
		assertThat(this.cost.keylessScore(b, 1.0, now)).isCloseTo(8_000_000 * Math.exp(-1), within(1.0));
		assertThat(this.cost.keylessNoWorse(b, 1.0, a, 1.0, now)).isTrue();
		assertThat(this.cost.keylessNoWorse(a, 1.0, b, 1.0, now)).isFalse();
		// One request in flight on b doubles its score past a's.
		b.inflight = 1;
		assertThat(this.cost.keylessNoWorse(b, 1.0, a, 1.0, now)).isFalse();
		assertThat(this.cost.keylessNoWorse(a, 1.0, b, 1.0, now)).isTrue();
		// An instance with no sample costs the fleet's lower median undecayed: b's 2.94
		// ms.
		InstanceStats fresh = instance("fresh", 1);
		this.cost.refresh(List.of(a, b, fresh), now);
		b.inflight = 0;
		// Equal scores, one decayed and one not: a tie, which goes to the first drawn.
		assertThat(this.cost.keylessNoWorse(fresh, 1.0, b, 1.0, now)).isTrue();
		assertThat(this.cost.keylessNoWorse(b, 1.0, fresh, 1.0, now)).isTrue();
		b.inflight = 1;
		assertThat(this.cost.keylessNoWorse(fresh, 1.0, a, 1.0, now)).isTrue();
		assertThat(this.cost.keylessNoWorse(a, 1.0, fresh, 1.0, now)).isFalse();
		// Half warm with one in flight: 2.94 ms x (1 / 0.5 + 1) = 8.83 ms, above a's 4
		// ms.
		fresh.inflight = 1;
		assertThat(this.cost.keylessNoWorse(fresh, 0.5, a, 1.0, now)).isFalse();
		assertThat(this.cost.keylessNoWorse(a, 1.0, fresh, 0.5, now)).isTrue();
		// Weight divides the score: 8 ms decayed to 2.94 ms, 1 in flight, weight 3: 1.96
		// ms.
		InstanceStats heavy = new InstanceStats("heavy", 3, NOW, true, this.config);
		heavy.ewma.observe(8_000_000, NOW);
		heavy.inflight = 1;
		assertThat(this.cost.keylessNoWorse(heavy, 1.0, a, 1.0, now)).isTrue();
		assertThat(this.cost.keylessNoWorse(a, 1.0, heavy, 1.0, now)).isFalse();
	}

	@Test
	void keylessComparisonShouldAgreeWithTheScoresOverRandomPairs() {
		// The comparison settles most pairs on bounds of e^d instead of computing it:
		// it must give the scores' verdict for samples decayed by very different
		// amounts (d beyond 1, where only exp decides), close ones (bounds tight) and
		// equal ones.
		long decay = this.config.latency().decay().toNanos();
		long now = NOW + 4 * decay;
		SplittableRandom random = new SplittableRandom(42);
		double[] warmths = { 1.0, 1.0, 0.5, 0.1 };
		int checked = 0;
		int farApart = 0;
		for (int i = 0; i < 20_000; i++) {
			long aStamp = NOW + random.nextLong(4 * decay);
			long bStamp = (i % 4 == 0) ? aStamp : aStamp + random.nextLong(-decay / 100, decay / 100);
			if (i % 8 == 1) {
				bStamp = NOW + random.nextLong(4 * decay);
			}
			InstanceStats a = new InstanceStats("a", 1 + random.nextInt(3), NOW, true, this.config);
			InstanceStats b = new InstanceStats("b", 1 + random.nextInt(3), NOW, true, this.config);
			a.ewma.observe(1_000_000 + random.nextLong(20_000_000), Math.min(aStamp, now));
			b.ewma.observe(1_000_000 + random.nextLong(20_000_000), Math.min(bStamp, now));
			a.inflight = random.nextInt(4);
			b.inflight = random.nextInt(4);
			double aWarmth = warmths[random.nextInt(warmths.length)];
			double bWarmth = warmths[random.nextInt(warmths.length)];
			double aScore = this.cost.keylessScore(a, aWarmth, now);
			double bScore = this.cost.keylessScore(b, bWarmth, now);
			if (Math.abs(aScore - bScore) <= 1e-9 * Math.max(aScore, bScore)) {
				// A tie within rounding: either verdict is right.
				continue;
			}
			checked++;
			if (Math.abs(aStamp - bStamp) > decay) {
				farApart++;
			}
			assertThat(this.cost.keylessNoWorse(a, aWarmth, b, bWarmth, now)).as("pair %d", i)
				.isEqualTo(aScore <= bScore);
			assertThat(this.cost.keylessNoWorse(b, bWarmth, a, aWarmth, now)).as("pair %d reversed", i)
				.isEqualTo(bScore <= aScore);
		}
		assertThat(checked).isGreaterThan(15_000);
		assertThat(farApart).isGreaterThan(500);
	}

	@Test
	void flowScoreShouldUseTheMedianOnceKnownAndTheEffectiveWeight() {
		InstanceStats a = observed("a", 2_000_000);
		a.inflight = 1;
		assertThat(this.cost.flowScore(a, 1.0, NOW)).isEqualTo(2_000_000 * 2.0);
		a.medianNanos = 3_000_000;
		assertThat(this.cost.flowScore(a, 0.5, NOW)).isEqualTo(3_000_000 * 2.0 / 0.5);
	}

	private InstanceStats instance(String id, int weight) {
		return new InstanceStats(id, weight, NOW, true, this.config);
	}

	private InstanceStats observed(String id, long latencyNanos) {
		return observedAt(id, latencyNanos, NOW);
	}

	private InstanceStats observedAt(String id, long latencyNanos, long nowNanos) {
		InstanceStats s = instance(id, 1);
		s.ewma.observe(latencyNanos, nowNanos);
		return s;
	}

}
