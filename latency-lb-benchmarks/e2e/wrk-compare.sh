#!/usr/bin/env bash
# End-to-end overhead of latency-lb: the sample gateway with latency-lb against the same gateway with
# latency-lb.enabled=false (Spring's round robin), both in front of the same loopback backends,
# driven by wrk in alternating rounds in one run. Loopback only; every process is stopped at the end.
#
# Usage: latency-lb-benchmarks/e2e/wrk-compare.sh [rounds] [seconds-per-round] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
SECONDS_PER_ROUND=${2:-15}
CONNECTIONS=${3:-64}
BACKENDS=4
BACKEND_DELAY_MS=${BACKEND_DELAY_MS:-1}
FIRST_BACKEND_PORT=19101
OURS_PORT=19081
BASELINE_PORT=19082
OUT=${OUT:-target/wrk-compare}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
# Remove the old jar first: otherwise the jar plugin may keep it and repackaging keeps its old nested jars.
rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
./mvnw -B -q -pl sample-gateway -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true package
JAR=sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -Xmx256m -cp "$JAR" -Dloader.main=io.github.latencylb.sample.DemoBackendsMain \
	org.springframework.boot.loader.launch.PropertiesLauncher "$BACKENDS" "$BACKEND_DELAY_MS" "$FIRST_BACKEND_PORT" \
	> "$OUT/backends.log" 2>&1 &
pids+=($!)

discovery=()
for i in $(seq 0 $((BACKENDS - 1))); do
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].uri=http://127.0.0.1:$((FIRST_BACKEND_PORT + i))")
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].instance-id=demo-$((i + 1))")
done
common=(--sample.demo-backends.enabled=false --logging.level.root=WARN "${discovery[@]}")
jfr=()
jfr_baseline=()
if [ -n "${JFR:-}" ]; then
	jfr=("-XX:StartFlightRecording=filename=$OUT/ours.jfr,settings=profile")
	jfr_baseline=("-XX:StartFlightRecording=filename=$OUT/baseline.jfr,settings=profile")
fi
# OURS_ARGS: extra arguments for the latency-lb gateway, e.g. to switch parts off and attribute the cost.
read -r -a ours_args <<< "${OURS_ARGS:-}"
java -Xmx512m "${jfr[@]}" -jar "$JAR" --server.port=$OURS_PORT "${common[@]}" "${ours_args[@]}" > "$OUT/ours.log" 2>&1 &
pids+=($!)
java -Xmx512m "${jfr_baseline[@]}" -jar "$JAR" --server.port=$BASELINE_PORT --latency-lb.enabled=false "${common[@]}" > "$OUT/baseline.log" 2>&1 &
pids+=($!)

for port in $OURS_PORT $BASELINE_PORT; do
	for _ in $(seq 1 120); do
		curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
		sleep 0.5
	done
done

# Half the requests carry one of 10,000 session cookies, half are keyless.
cat > "$OUT/sessions.lua" <<'LUA'
request = function()
	if math.random() < 0.5 then
		return wrk.format("GET", "/", { ["Cookie"] = "SESSION=s" .. math.random(1, 10000) })
	end
	return wrk.format("GET", "/")
end
LUA

run() { # name port
	wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" --latency -s "$OUT/sessions.lua" "http://127.0.0.1:$2/" > "$OUT/$1.txt"
	local rps p50 p99
	rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$1.txt")
	p50=$(awk '$1=="50%" {print $2}' "$OUT/$1.txt")
	p99=$(awk '$1=="99%" {print $2}' "$OUT/$1.txt")
	echo "$1 $rps $p50 $p99"
}

# Warm-up both JVMs, then alternate so that machine noise hits both alike.
for _ in 1 2; do
	wrk -t2 -c"$CONNECTIONS" -d15s -s "$OUT/sessions.lua" "http://127.0.0.1:$OURS_PORT/" >/dev/null
	wrk -t2 -c"$CONNECTIONS" -d15s -s "$OUT/sessions.lua" "http://127.0.0.1:$BASELINE_PORT/" >/dev/null
done
echo "round gateway requests/s p50 p99" | tee "$OUT/summary.txt"
for r in $(seq 1 "$ROUNDS"); do
	# Alternate which one goes first.
	if [ $((r % 2)) -eq 1 ]; then
		echo "$r $(run "ours-$r" $OURS_PORT)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "baseline-$r" $BASELINE_PORT)" | tee -a "$OUT/summary.txt"
	else
		echo "$r $(run "baseline-$r" $BASELINE_PORT)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "ours-$r" $OURS_PORT)" | tee -a "$OUT/summary.txt"
	fi
done
awk 'NR > 1 { split($2, name, "-"); sum[name[1]] += $3; n[name[1]]++ }
	END { o = sum["ours"] / n["ours"]; b = sum["baseline"] / n["baseline"];
		printf "mean requests/s: latency-lb %.0f, round robin %.0f, ratio %.3f (overhead %.1f%%)\n", o, b, o / b, (1 - o / b) * 100 }' \
	"$OUT/summary.txt" | tee -a "$OUT/summary.txt"
