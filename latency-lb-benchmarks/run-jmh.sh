#!/usr/bin/env bash
# JMH microbenchmarks of choose() (core Scheduler; our Spring adapter against Spring Cloud's
# RoundRobinLoadBalancer in the same run) at 4/32/256 instances and 0/100k/1M flows, then the heap
# cost of a tracked flow (own JVM). Writes the tables between the JMH markers of docs/benchmarks.md.
# About 4 minutes on 2 cores. Extra arguments go to JMH (e.g. -p instances=4 for a quick look; the
# tables then show only what ran).
#
# With --targets first, it runs only issue 8's two same-run comparisons (a known flow's lookup at
# 1,000,000 tracked flows against a bare ConcurrentHashMap of the same keys: in the flow table alone,
# FlowTableLookupBenchmark, the target's measure, and the whole chooseForFlow decision,
# FlowLookupBenchmark, an upper bound; keyless choose(Request) against Spring's
# RoundRobinLoadBalancer), prints their ratios and leaves the docs alone (about 2 minutes; more JMH
# options may follow, e.g. -f 2 -wi 5 -i 5 for a steadier figure).
#
# With --alternate first, it runs only the keyless choose(Request) comparison, in alternated
# rounds (ROUNDS, default 5; INSTANCES, default "4 32 256"): each round is one JMH run of both
# benchmarks for one instance count, and the figure is the median of the rounds' ratios: on a noisy
# machine whose speed drifts, steadier than one run's means (about 5 minutes).
#
# Usage: latency-lb-benchmarks/run-jmh.sh [JMH options]
#        latency-lb-benchmarks/run-jmh.sh --targets [JMH options]
#        latency-lb-benchmarks/run-jmh.sh --alternate [JMH options]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl latency-lb-benchmarks -am -DskipTests package
CP="latency-lb-benchmarks/target/latency-lb-benchmarks-0.1.0-SNAPSHOT.jar:latency-lb-benchmarks/target/lib/*"
OUT=latency-lb-benchmarks/target/jmh
mkdir -p "$OUT"
if [ "${1:-}" = "--alternate" ]; then
	# Keyless choose(Request) against round robin in alternated rounds: ROUNDS (default 5)
	# times, for each instance count, one JMH run of both (one fork each, adjacent in time);
	# prints the median ratio per instance count. Extra arguments go to JMH.
	shift
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -f "$OUT"/alternate-*.csv
	for round in $(seq 1 "${ROUNDS:-5}"); do
		for n in ${INSTANCES:-4 32 256}; do
			java -cp "$CP" org.openjdk.jmh.Main 'LoadBalancerChooseBenchmark' -p flows=0 -p instances="$n" \
				-f 1 -wi 4 -i 4 -rf csv -rff "$OUT/alternate-$round-$n.csv" "$@" | grep -E '^LoadBalancerChooseBenchmark' || true
		done
	done
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	java -cp "$CP" io.github.latencylb.benchmarks.jmh.JmhReport --alternated "$OUT"/alternate-*.csv
	exit 0
fi
if [ "${1:-}" = "--targets" ]; then
	shift
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	java -cp "$CP" org.openjdk.jmh.Main 'FlowTableLookupBenchmark|FlowLookupBenchmark|LoadBalancerChooseBenchmark' \
		-p flows=0 -p instances=4 -p trackedFlows=1000000 -rf csv -rff "$OUT/targets.csv" "$@" | tee "$OUT/targets.log"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	java -cp "$CP" io.github.latencylb.benchmarks.jmh.JmhReport --targets "$OUT/targets.csv"
	exit 0
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
java -cp "$CP" org.openjdk.jmh.Main -rf csv -rff "$OUT/results.csv" "$@" | tee "$OUT/jmh.log"
java -Xms3g -Xmx3g -cp "$CP" io.github.latencylb.benchmarks.jmh.FlowMemory 1000000 32 3 "$OUT/flow-memory.md"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="_Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`latency-lb-benchmarks/run-jmh.sh $*\`; load average (1/5/15 min) before: ${LOAD_BEFORE}, after: ${LOAD_AFTER}._"
java -cp "$CP" io.github.latencylb.benchmarks.jmh.JmhReport "$OUT/results.csv" "$OUT/flow-memory.md" docs/benchmarks.md "$HEADER"
