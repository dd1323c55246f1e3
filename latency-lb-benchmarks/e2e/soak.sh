#!/usr/bin/env bash
# Soak run of the sample gateway (outside CI): mixed load with faults for a bounded time, recording the
# gateway's heap after a full GC every minute. Flat figures mean nothing accumulates: flows, pins,
# permits, queues, per-instance state.
#
# Load (wrk, loopback only), all at once:
#   - 10,000 established sessions (SESSION cookie), a third of the requests;
#   - a flood of random one-request cookies, a third of the requests;
#   - keyless requests, a third;
#   - clients that give up after 20 ms (curl --max-time): cancelled requests;
# Faults: every 90 s one of the four backends is killed (SIGKILL: connections reset, connects refused)
# and restarted 30 s later.
#
# Usage: [MAX_FLOWS=n] [SKIP_BUILD=1] latency-lb-benchmarks/e2e/soak.sh [seconds] [connections]
# Output: target/soak/heap.csv (minute, heap kept by a full GC in KiB, flows tracked by the gateway)
# and target/soak/summary.txt. Every process it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-600}
CONNECTIONS=${2:-32}
BACKENDS=4
FIRST_BACKEND_PORT=19301
GATEWAY_PORT=19381
OUT=${OUT:-target/soak}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v jcmd >/dev/null || { echo "jcmd (JDK) is needed" >&2; exit 1; }
if [ -z "${SKIP_BUILD:-}" ]; then
	rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
	./mvnw -B -q -pl sample-gateway -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true package
fi
mkdir -p "$OUT"
# A copy, so that a build during the run cannot change the jar under the running JVMs.
cp sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar "$OUT/gateway.jar"
JAR=$OUT/gateway.jar
pids=()
backend_pids=()
cleanup() {
	for p in "${pids[@]}" "${backend_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

start_backend() { # index
	java -Xmx64m -XX:+UseSerialGC -cp "$JAR" -Dloader.main=io.github.latencylb.sample.DemoBackendsMain \
		org.springframework.boot.loader.launch.PropertiesLauncher 1 2 "$((FIRST_BACKEND_PORT + $1))" \
		>> "$OUT/backend-$1.log" 2>&1 &
	backend_pids[$1]=$!
}
for i in $(seq 0 $((BACKENDS - 1))); do start_backend "$i"; done

discovery=()
for i in $(seq 0 $((BACKENDS - 1))); do
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].uri=http://127.0.0.1:$((FIRST_BACKEND_PORT + i))")
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].instance-id=demo-$((i + 1))")
done
java -Xmx256m -jar "$JAR" --server.port=$GATEWAY_PORT --sample.demo-backends.enabled=false --logging.level.root=WARN \
	--spring.cloud.gateway.server.webflux.httpclient.response-timeout=5s \
	--spring.cloud.gateway.server.webflux.httpclient.connect-timeout=1000 \
	--latency-lb.affinity.max-flows="${MAX_FLOWS:-1000000}" \
	"${discovery[@]}" > "$OUT/gateway.log" 2>&1 &
GATEWAY_PID=$!
pids+=($GATEWAY_PID)
up=
for _ in $(seq 1 600); do
	curl -fs "http://127.0.0.1:$GATEWAY_PORT/" >/dev/null 2>&1 && { up=1; break; }
	sleep 0.5
done
[ -n "$up" ] || { echo "gateway did not start, see $OUT/gateway.log" >&2; exit 1; }

cat > "$OUT/mixed.lua" <<'LUA'
math.randomseed(os.time())
request = function()
	local r = math.random()
	if r < 0.34 then
		return wrk.format("GET", "/", { ["Cookie"] = "SESSION=s" .. math.random(1, 10000) })
	elseif r < 0.67 then
		return wrk.format("GET", "/", { ["Cookie"] = "SESSION=r" .. math.random(1, 2147483647) .. "x" .. math.random(1, 2147483647) })
	end
	return wrk.format("GET", "/")
end
LUA

heap_used_kib() { # full GC, then the heap used outside young regions in KiB: what the GC kept (under load,
	# young regions fill again between the GC and the reading, so plain 'used' says little)
	jcmd "$GATEWAY_PID" GC.run >/dev/null
	jcmd "$GATEWAY_PID" GC.heap_info | awk '
		/garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") {u = $(i + 1); gsub(/[^0-9]/, "", u)}}
		/region size/ {split($0, a, "young \\("); split(a[2], b, "K"); y = b[1]}
		END {print u - y}'
}
flows() {
	curl -fs "http://127.0.0.1:$GATEWAY_PORT/actuator/latencylb" \
		| grep -o '"flowTableSize":[0-9]*' | head -1 | cut -d: -f2 || echo "?"
}

echo "minute,heap_used_kib,flows" > "$OUT/heap.csv"
echo "0,$(heap_used_kib),$(flows)" >> "$OUT/heap.csv"
START=$(date +%s)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$OUT/mixed.lua" \
	"http://127.0.0.1:$GATEWAY_PORT/" > "$OUT/wrk.txt" 2>&1 &
WRK_PID=$!
pids+=($WRK_PID)
# Impatient clients: requests cancelled mid-flight.
( while [ $(($(date +%s) - START)) -lt "$DURATION" ]; do
	curl -s -o /dev/null --max-time 0.02 -H "Cookie: SESSION=s$RANDOM" "http://127.0.0.1:$GATEWAY_PORT/" || true
done ) &
pids+=($!)

minute=0
next_fault=90
killed=-1
while [ $(($(date +%s) - START)) -lt "$DURATION" ]; do
	sleep 5
	elapsed=$(($(date +%s) - START))
	if [ "$killed" -ge 0 ] && [ "$elapsed" -ge $((next_fault - 60)) ]; then
		start_backend "$killed"
		echo "$elapsed s: backend $killed restarted" >> "$OUT/faults.log"
		killed=-1
	fi
	if [ "$killed" -lt 0 ] && [ "$elapsed" -ge "$next_fault" ]; then
		killed=$(((next_fault / 90 - 1) % BACKENDS))
		kill -9 "${backend_pids[$killed]}" 2>/dev/null || true
		echo "$elapsed s: backend $killed killed" >> "$OUT/faults.log"
		next_fault=$((next_fault + 90))
	fi
	if [ "$elapsed" -ge $(((minute + 1) * 60)) ]; then
		minute=$((minute + 1))
		echo "$minute,$(heap_used_kib),$(flows)" >> "$OUT/heap.csv"
	fi
done
wait "$WRK_PID" 2>/dev/null || true
sleep 2
echo "$((minute + 1)) (after load),$(heap_used_kib),$(flows)" >> "$OUT/heap.csv"
{
	echo "duration ${DURATION}s, ${CONNECTIONS} connections, machine: $(nproc) cores, $(uname -sr)"
	grep -E "Requests/sec|requests in|Socket errors|Non-2xx" "$OUT/wrk.txt" || true
	echo "faults:"; cat "$OUT/faults.log" 2>/dev/null || true
	echo "heap after full GC:"; cat "$OUT/heap.csv"
} > "$OUT/summary.txt"
cat "$OUT/summary.txt"
