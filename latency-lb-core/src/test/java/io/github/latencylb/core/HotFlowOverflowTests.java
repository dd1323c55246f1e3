package io.github.latencylb.core;

import io.github.latencylb.core.HotFlowOverflow.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Only hot flows spill; the others wait within their budget.
 */
class HotFlowOverflowTests {

	private static final long MS = 1_000_000L;

	private final HotFlowOverflow rule = new HotFlowOverflow(FlowWaitConfig.ofDefaults());

	@Test
	void flowWithOneRequestAtATimeShouldWaitOutABurst() {
		// 4 permits busy with 4 flows, 3 waiting ahead: (3 + 1) x 20 ms / 4 = 20 ms,
		// budget
		// 2 x 30 ms.
		assertThat(this.rule.decide(0, 4, 4, 3, 20 * MS, 30 * MS)).isEqualTo(Verdict.WAIT);
		assertThat(this.rule.expectedWaitNanos(4, 3, 20 * MS)).isEqualTo(20 * MS);
	}

	@Test
	void flowHoldingMoreThanItsFairShareShouldOverflow() {
		// 4 flows on 4 permits: fair share 1; a flow with 2 in flight is hot.
		assertThat(this.rule.decide(2, 4, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_HOT);
		assertThat(this.rule.decide(1, 4, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.WAIT);
	}

	@Test
	void onlyFlowOfAnInstanceShouldHaveEveryPermitAsItsFairShare() {
		assertThat(this.rule.decide(4, 1, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.WAIT);
		assertThat(this.rule.decide(5, 1, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_HOT);
		// Two flows share 4 permits: 2 each.
		assertThat(this.rule.decide(2, 2, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.WAIT);
		assertThat(this.rule.decide(3, 2, 4, 0, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_HOT);
	}

	@Test
	void waitBeyondTheBudgetShouldOverflow() {
		// (11 + 1) x 20 / 4 = 60 ms fits 2 x 30 ms; (12 + 1) x 20 / 4 = 65 ms does not.
		assertThat(this.rule.decide(0, 4, 4, 11, 20 * MS, 30 * MS)).isEqualTo(Verdict.WAIT);
		Verdict verdict = this.rule.decide(0, 4, 4, 12, 20 * MS, 30 * MS);
		assertThat(verdict).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
		assertThat(verdict.overflows()).isTrue();
		assertThat(Verdict.WAIT.overflows()).isFalse();
	}

	@Test
	void waitBeyondTenBudgetsShouldFindTheInstanceOverloaded() {
		// Budget 2 x 30 = 60 ms; 10 budgets 600 ms: (119 + 1) x 20 / 4 = 600 ms is not
		// past it, (120 + 1) x 20 / 4 = 605 ms is.
		assertThat(this.rule.decide(0, 4, 4, 119, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
		Verdict verdict = this.rule.decide(0, 4, 4, 120, 20 * MS, 30 * MS);
		assertThat(verdict).isEqualTo(Verdict.OVERFLOW_OVERLOADED);
		assertThat(verdict.overflows()).isTrue();
		// A smaller factor finds it overloaded sooner.
		HotFlowOverflow strict = new HotFlowOverflow(new FlowWaitConfig(2.0, 10 * MS, 2.0));
		assertThat(strict.decide(0, 4, 4, 23, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
		assertThat(strict.decide(0, 4, 4, 24, 20 * MS, 30 * MS)).isEqualTo(Verdict.OVERFLOW_OVERLOADED);
	}

	@Test
	void unknownFleetLatencyShouldFallBackToTheMinimumBudget() {
		assertThat(this.rule.budgetNanos(0)).isEqualTo(10 * MS);
		assertThat(this.rule.budgetNanos(-1)).isEqualTo(10 * MS);
		assertThat(this.rule.budgetNanos(30 * MS)).isEqualTo(60 * MS);
		// (1 + 1) x 20 / 4 = 10 ms fits the 10 ms minimum.
		assertThat(this.rule.decide(0, 4, 4, 1, 20 * MS, 0)).isEqualTo(Verdict.WAIT);
		assertThat(this.rule.decide(0, 4, 4, 2, 20 * MS, 0)).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
		// Never overloaded against the minimum budget alone: (1000 + 1) x 20 / 4 = 5 s.
		assertThat(this.rule.decide(0, 4, 4, 1000, 20 * MS, 0)).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
		assertThat(this.rule.decide(0, 4, 4, 1000, 20 * MS, -1)).isEqualTo(Verdict.OVERFLOW_OVER_BUDGET);
	}

	@Test
	void badConfigShouldBeRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowWaitConfig(-1, 0, 10));
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowWaitConfig(1, -1, 10));
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowWaitConfig(1, 0, 0.5))
			.withMessageStartingWith("overloadWaitFactor ");
		assertThatIllegalArgumentException().isThrownBy(() -> new FlowWaitConfig(1, 0, Double.POSITIVE_INFINITY));
	}

}
