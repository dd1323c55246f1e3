#!/usr/bin/env bash
# Issue 9's scenarios end to end, side by side: the sample gateway with latency-lb against HAProxy
# (each at its best for the job), in front of the same simulated loopback backends (N workers per
# instance, a service time, an X-Instance response header), driven by the same closed-loop keep-alive
# clients (HaproxyCompareMain). Scenarios: surge; steady fleet at a third of capacity, then one
# instance 10x slower, then another instance stopped; hot session; heterogeneous keyless fleet.
# Loopback only, bounded (about 8 minutes with SCALE=1), every process is stopped at the end.
# Prints a Markdown table; the raw output lands in target/haproxy-compare/.
#
# Usage: latency-lb-benchmarks/e2e/haproxy-compare.sh [scale=1] [warm-up-seconds=40] [scenarios=surge,steady,hot,hetero]
#        (scale multiplies every scenario's duration; below 1 for a quick trial only; the gateway's
#        decision counters of each phase follow the table; HAPROXY_COMPARE_JAVA_OPTS=-Dhaproxy-compare.tails=true
#        also prints the slowest 1% of each steady/degrade/stop window to stderr)
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=${1:-1}
WARMUP=${2:-40}
SCENARIOS=${3:-surge,steady,hot,hetero}
SURGE_GATEWAY_PORT=19181
GATEWAY_PORT=19182
HAPROXY_FIRST_PORT=19401
OUT=${OUT:-target/haproxy-compare}

command -v haproxy >/dev/null || { apt-get update -qq && apt-get install -y -qq haproxy; }
# Remove the old jar first: otherwise repackaging may keep stale nested jars (see wrk-compare.sh).
rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
./mvnw -B -q -pl sample-gateway,latency-lb-benchmarks -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true package
JAR=sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar
CP="latency-lb-benchmarks/target/latency-lb-benchmarks-0.1.0-SNAPSHOT.jar:latency-lb-benchmarks/target/lib/*"
MAIN=io.github.latencylb.benchmarks.e2e.HaproxyCompareMain
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -cp "$CP" "$MAIN" haproxy-config "$HAPROXY_FIRST_PORT" > "$OUT/haproxy.cfg"
haproxy -c -q -f "$OUT/haproxy.cfg"
haproxy -db -f "$OUT/haproxy.cfg" > "$OUT/haproxy.log" 2>&1 &
pids+=($!)

common=(--sample.demo-backends.enabled=false --logging.level.root=WARN)
mapfile -t surge_args < <(java -cp "$CP" "$MAIN" gateway-args surge)
mapfile -t main_args < <(java -cp "$CP" "$MAIN" gateway-args main)
java -Xmx512m -jar "$JAR" --server.port=$SURGE_GATEWAY_PORT "${common[@]}" "${surge_args[@]}" > "$OUT/gateway-surge.log" 2>&1 &
pids+=($!)
java -Xmx512m -jar "$JAR" --server.port=$GATEWAY_PORT "${common[@]}" "${main_args[@]}" > "$OUT/gateway.log" 2>&1 &
pids+=($!)
for port in $SURGE_GATEWAY_PORT $GATEWAY_PORT; do
	for _ in $(seq 1 180); do
		curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
		sleep 0.5
	done
	curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null || { echo "gateway on $port did not start" >&2; exit 1; }
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(haproxy -v | head -1)" | tee "$OUT/summary.md"
timeout 900 java -Xmx1g ${HAPROXY_COMPARE_JAVA_OPTS:-} -cp "$CP" "$MAIN" run "http://127.0.0.1:$SURGE_GATEWAY_PORT" "http://127.0.0.1:$GATEWAY_PORT" \
	http://127.0.0.1 "$HAPROXY_FIRST_PORT" "$SCALE" "$WARMUP" "$SCENARIOS" | tee -a "$OUT/summary.md"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.md"
# What each gateway's schedulers decided, per service (one per scenario): decisions by reason, flow
# moves by cause, admission rejections; to tell why a request left its usual instance.
for port in $SURGE_GATEWAY_PORT $GATEWAY_PORT; do
	curl -fs "http://127.0.0.1:$port/actuator/prometheus" | grep -E '^latencylb_(decisions|flow_moves|queue_rejections|retries)' \
		> "$OUT/counters-$port.txt" || true
done
