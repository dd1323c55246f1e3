#!/usr/bin/env bash
# Scenario simulation of latency-lb against five other policies (deterministic: same seed, same figures).
# Builds this module, runs every policy on every scenario, writes docs/images/simulation-*.png and the
# tables between the simulation markers of docs/benchmarks.md, then issue 9's closed-loop scenarios
# between the closed-loop markers. About a minute and a half on 2 cores.
#
# Usage: latency-lb-benchmarks/run-simulation.sh [seed]   (default 42)
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-42}
./mvnw -B -q -pl latency-lb-benchmarks -am -DskipTests package
CP="latency-lb-benchmarks/target/latency-lb-benchmarks-0.1.0-SNAPSHOT.jar:latency-lb-benchmarks/target/lib/*"
java -Xmx1g -cp "$CP" io.github.latencylb.benchmarks.simulation.SimulationMain . "$SEED"
# Issue 9's closed-loop scenarios (surge, bursty healthy fleet, degrade, hot session, exponential 5x).
java -Xmx1g -cp "$CP" io.github.latencylb.benchmarks.simulation.ClosedLoopMain . "$SEED"
