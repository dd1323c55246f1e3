#!/usr/bin/env bash
# Heap retained per tracked flow in a running gateway: the sample gateway (latency-lb on, defaults)
# in front of four loopback demo backends. wrk first sends keyless requests (classes loaded, pools and
# meters created), then FLOWS distinct session cookies, each twice in a row (a flow is recorded from
# its second request on). After each phase a full GC; the used heap after GC grows by the flow
# table's entries, read from the Prometheus gauge latencylb_flow_table_size. Heap sizes do not depend
# on CPU load, so this runs on a busy machine too. Loopback only; everything is stopped at the end.
#
# Usage: latency-lb-benchmarks/e2e/flow-heap.sh [flows=200000]
set -euo pipefail
cd "$(dirname "$0")/../.."
FLOWS=${1:-200000}
BACKENDS=4
FIRST_BACKEND_PORT=19201
PORT=19281
OUT=${OUT:-target/flow-heap}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
./mvnw -B -q -pl sample-gateway -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true -Dcheckstyle.skip=true package
JAR=sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -Xmx256m -cp "$JAR" -Dloader.main=io.github.latencylb.sample.DemoBackendsMain \
	org.springframework.boot.loader.launch.PropertiesLauncher "$BACKENDS" 0 "$FIRST_BACKEND_PORT" > "$OUT/backends.log" 2>&1 &
pids+=($!)
discovery=()
for i in $(seq 0 $((BACKENDS - 1))); do
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].uri=http://127.0.0.1:$((FIRST_BACKEND_PORT + i))")
	discovery+=("--spring.cloud.discovery.client.simple.instances.demo[$i].instance-id=demo-$((i + 1))")
done
java -Xms1g -Xmx1g -XX:+UseG1GC -jar "$JAR" --server.port=$PORT --sample.demo-backends.enabled=false \
	--logging.level.root=WARN "${discovery[@]}" > "$OUT/gateway.log" 2>&1 &
gateway=$!
pids+=($gateway)
for _ in $(seq 1 120); do
	curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
	sleep 0.5
done

used_after_gc() { # prints the used heap in bytes after a full GC
	jcmd "$gateway" GC.run >/dev/null
	sleep 1
	jcmd "$gateway" GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); print v * 1024; exit } }'
}
table_size() {
	curl -fs "http://127.0.0.1:$PORT/actuator/prometheus" | awk '/^latencylb_flow_table_size/ { s += $2 } END { printf "%d\n", s }'
}

# Keyless warm-up.
wrk -t2 -c32 -d20s "http://127.0.0.1:$PORT/" > "$OUT/warmup.txt"
before=$(used_after_gc)
flows_before=$(table_size)

# Each wrk thread walks its own share of the keys, two requests per key, then stops adding keys.
cat > "$OUT/flows.lua" <<LUA
local threads = {}
function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end
function init(args)
	n = 0
	stride = 2
end
function request()
	local key = id + stride * math.floor(n / 2)
	if key >= $FLOWS then
		key = key % $FLOWS
	end
	n = n + 1
	return wrk.format("GET", "/", { ["Cookie"] = "SESSION=flow" .. key })
end
LUA
seconds=$((FLOWS * 2 / 2500 + 10))
wrk -t2 -c16 -d"${seconds}s" -s "$OUT/flows.lua" "http://127.0.0.1:$PORT/" > "$OUT/flows.txt"
after=$(used_after_gc)
flows_after=$(table_size)
flows=$((flows_after - flows_before))
echo "requests sent: $(awk '/requests in/ { print $1 }' "$OUT/flows.txt")"
echo "flow table: $flows_before -> $flows_after entries"
echo "used heap after full GC: $((before / 1048576)) MiB -> $((after / 1048576)) MiB"
if [ "$flows" -gt 0 ]; then
	echo "BYTES PER TRACKED FLOW: $(((after - before) / flows))"
fi
