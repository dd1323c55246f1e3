package io.github.latencylb.benchmarks.jmh;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JmhReport}'s issue 8 targets.
 */
class JmhReportTests {

	private static final String HEADER = "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\","
			+ "\"Score Error (99.9%)\",\"Unit\",\"Param: flows\",\"Param: instances\",\"Param: trackedFlows\"";

	@Test
	void targetsAreRatiosOfTheSameRun() {
		List<JmhReport.Row> rows = JmhReport.parse(List.of(HEADER,
				"\"io.x.FlowLookupBenchmark.concurrentHashMap\",\"avgt\",1,3,100.0,5.0,\"ns/op\",,,1000000",
				"\"io.x.FlowLookupBenchmark.scheduler\",\"avgt\",1,3,250.0,9.0,\"ns/op\",,,1000000",
				"\"io.x.LoadBalancerChooseBenchmark.latencyLb\",\"avgt\",1,3,120.0,4.0,\"ns/op\",0,4,",
				"\"io.x.LoadBalancerChooseBenchmark.springRoundRobin\",\"avgt\",1,3,80.0,2.0,\"ns/op\",,4,"));
		String md = JmhReport.targets(rows);
		assertThat(md).contains("| known-flow `chooseForFlow` at 1000000 tracked flows | 250 ± 9 | "
				+ "bare `ConcurrentHashMap` get | 100 ± 5 | 2.50x | 3x |");
		assertThat(md).contains("| keyless `choose(Request)`, 4 instances | 120 ± 4 | `RoundRobinLoadBalancer` | "
				+ "80 ± 2 | 1.50x | 1.3x |");
	}

	@Test
	void tableLookupAloneIsComparedWithItsOwnMapAndTheWholeDecisionStaysBeside() {
		List<JmhReport.Row> rows = JmhReport.parse(List.of(HEADER,
				"\"io.x.FlowTableLookupBenchmark.concurrentHashMap\",\"avgt\",1,3,90.0,5.0,\"ns/op\",,,1000000",
				"\"io.x.FlowTableLookupBenchmark.flowTable\",\"avgt\",1,3,180.0,7.0,\"ns/op\",,,1000000",
				"\"io.x.FlowLookupBenchmark.concurrentHashMap\",\"avgt\",1,3,100.0,5.0,\"ns/op\",,,1000000",
				"\"io.x.FlowLookupBenchmark.scheduler\",\"avgt\",1,3,250.0,9.0,\"ns/op\",,,1000000"));
		String md = JmhReport.targets(rows);
		assertThat(md)
			.contains("| known-flow lookup in the flow table alone (`FlowTable.get`) at 1000000 tracked flows "
					+ "| 180 ± 7 | bare `ConcurrentHashMap` get | 90 ± 5 | 2.00x | 3x |");
		assertThat(md).contains("| known-flow `chooseForFlow` at 1000000 tracked flows | 250 ± 9 | "
				+ "bare `ConcurrentHashMap` get | 100 ± 5 | 2.50x | 3x |");
		assertThat(md.indexOf("`FlowTable.get`")).isLessThan(md.indexOf("`chooseForFlow`"));
	}

	@Test
	void alternatedRoundsGiveTheMedianRatioPerInstanceCount() {
		List<List<JmhReport.Row>> rounds = List.of(round(4, 130, 100), round(32, 300, 200), round(4, 240, 200),
				round(4, 100, 100), round(32, 200, 200));
		String md = JmhReport.alternated(rounds);
		assertThat(md).contains("| 4 | 3 | 1.20x | 1.00x | 1.30x | 1.3x |");
		assertThat(md).contains("| 32 | 2 | 1.25x | 1.00x | 1.50x | 1.3x |");
		assertThat(md.indexOf("| 4 |")).isLessThan(md.indexOf("| 32 |"));
	}

	private static List<JmhReport.Row> round(int instances, double ours, double roundRobin) {
		return JmhReport.parse(List.of(HEADER,
				"\"io.x.LoadBalancerChooseBenchmark.latencyLb\",\"avgt\",1,4," + ours + ",4.0,\"ns/op\",0," + instances
						+ ",",
				"\"io.x.LoadBalancerChooseBenchmark.springRoundRobin\",\"avgt\",1,4," + roundRobin + ",2.0,\"ns/op\",,"
						+ instances + ","));
	}

	@Test
	void noTargetsWithoutTheirBenchmarks() {
		assertThat(JmhReport.targets(JmhReport.parse(List.of(HEADER)))).isEmpty();
	}

}
