#!/usr/bin/env bash
# JMH microbenchmarks of choose() (core Scheduler; our Spring adapter against Spring Cloud's
# RoundRobinLoadBalancer in the same run) at 4/32/256 instances and 0/100k/1M flows, then the heap
# cost of a tracked flow (own JVM). Writes the tables between the JMH markers of docs/benchmarks.md.
# About 4 minutes on 2 cores. Extra arguments go to JMH (e.g. -p instances=4 for a quick look; the
# tables then show only what ran).
#
# Usage: latency-lb-benchmarks/run-jmh.sh [JMH options]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl latency-lb-benchmarks -am -DskipTests package
CP="latency-lb-benchmarks/target/latency-lb-benchmarks-0.1.0-SNAPSHOT.jar:latency-lb-benchmarks/target/lib/*"
OUT=latency-lb-benchmarks/target/jmh
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
java -cp "$CP" org.openjdk.jmh.Main -rf csv -rff "$OUT/results.csv" "$@" | tee "$OUT/jmh.log"
java -Xms3g -Xmx3g -cp "$CP" io.github.latencylb.benchmarks.jmh.FlowMemory 1000000 32 3 "$OUT/flow-memory.md"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
HEADER="_Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`latency-lb-benchmarks/run-jmh.sh $*\`; load average (1/5/15 min) before: ${LOAD_BEFORE}, after: ${LOAD_AFTER}._"
java -cp "$CP" io.github.latencylb.benchmarks.jmh.JmhReport "$OUT/results.csv" "$OUT/flow-memory.md" docs/benchmarks.md "$HEADER"
