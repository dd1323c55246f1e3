#!/usr/bin/env bash
# Scenario simulation of latency-lb against five other policies (deterministic: same seed, same figures).
# Builds this module, runs every policy on every scenario, writes docs/images/simulation-*.png and the
# tables between the simulation markers of docs/benchmarks.md. About a minute on 2 cores.
#
# Usage: latency-lb-benchmarks/run-simulation.sh [seed]   (default 42)
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-42}
./mvnw -B -q -pl latency-lb-benchmarks -am -DskipTests package
CP="latency-lb-benchmarks/target/latency-lb-benchmarks-0.1.0-SNAPSHOT.jar:latency-lb-benchmarks/target/lib/*"
java -Xmx1g -cp "$CP" io.github.latencylb.benchmarks.simulation.SimulationMain . "$SEED"
