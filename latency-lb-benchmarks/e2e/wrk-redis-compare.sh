#!/usr/bin/env bash
# Cost of sharing pins through Redis: the sample gateway with latency-lb.affinity.store=redis against
# the same gateway with store=memory, both in front of the same loopback backends, driven by wrk in
# alternating rounds in one run; a second store=redis replica receives the pins. Then the replication
# lag between the two redis replicas: one drains an instance (so new flows homed there are pinned
# elsewhere and published) while wrk sends it new sessions, and the other reports its
# latencylb.affinity.replication.lag percentiles. Loopback only; every process is stopped at the end.
#
# Usage: latency-lb-benchmarks/e2e/wrk-redis-compare.sh [rounds] [seconds-per-round] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
SECONDS_PER_ROUND=${2:-15}
CONNECTIONS=${3:-64}
BACKENDS=4
BACKEND_DELAY_MS=${BACKEND_DELAY_MS:-1}
FIRST_BACKEND_PORT=19201
MEMORY_PORT=19181
REDIS_PORT_A=19182
REDIS_PORT_B=19183
REDIS_SERVER_PORT=19379
OUT=${OUT:-target/wrk-redis-compare}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
mkdir -p "$OUT"
# redis-server from the PATH, else the Linux build that the embedded-redis test dependency ships.
REDIS_SERVER=$(command -v redis-server || true)
if [ -z "$REDIS_SERVER" ]; then
	./mvnw -B -q dependency:get -Dartifact=com.github.codemonstur:embedded-redis:1.4.3 >/dev/null
	unzip -o -q ~/.m2/repository/com/github/codemonstur/embedded-redis/1.4.3/embedded-redis-1.4.3.jar \
		redis-server-6.2.6-v5-linux-amd64 -d "$OUT"
	REDIS_SERVER="$OUT/redis-server-6.2.6-v5-linux-amd64"
	chmod +x "$REDIS_SERVER"
fi
rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
./mvnw -B -q -pl sample-gateway -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true package
JAR=sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$REDIS_SERVER" --port "$REDIS_SERVER_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/redis.log" 2>&1 &
pids+=($!)
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
redis=(--latency-lb.affinity.store=redis --latency-lb.affinity.redis.key-prefix="bench-$$"
	--spring.data.redis.host=127.0.0.1 --spring.data.redis.port=$REDIS_SERVER_PORT
	--management.endpoint.latencylb.access=unrestricted)
java -Xmx512m -jar "$JAR" --server.port=$MEMORY_PORT "${common[@]}" > "$OUT/memory.log" 2>&1 &
pids+=($!)
java -Xmx512m -jar "$JAR" --server.port=$REDIS_PORT_A "${common[@]}" "${redis[@]}" > "$OUT/redis-a.log" 2>&1 &
pids+=($!)
java -Xmx512m -jar "$JAR" --server.port=$REDIS_PORT_B "${common[@]}" "${redis[@]}" > "$OUT/redis-b.log" 2>&1 &
pids+=($!)

for port in $MEMORY_PORT $REDIS_PORT_A $REDIS_PORT_B; do
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
# Every request a new session: with demo-1 draining, a quarter of them are pinned elsewhere.
cat > "$OUT/new-sessions.lua" <<'LUA'
counter = 0
request = function()
	counter = counter + 1
	return wrk.format("GET", "/", { ["Cookie"] = "SESSION=lag-" .. math.random(1, 1000000000) .. "-" .. counter })
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

# Warm-up both JVMs (and the replica), then alternate so that machine noise hits both alike.
for _ in 1 2; do
	wrk -t2 -c"$CONNECTIONS" -d15s -s "$OUT/sessions.lua" "http://127.0.0.1:$REDIS_PORT_A/" >/dev/null
	wrk -t2 -c"$CONNECTIONS" -d15s -s "$OUT/sessions.lua" "http://127.0.0.1:$MEMORY_PORT/" >/dev/null
done
wrk -t2 -c"$CONNECTIONS" -d15s -s "$OUT/sessions.lua" "http://127.0.0.1:$REDIS_PORT_B/" >/dev/null
echo "round gateway requests/s p50 p99" | tee "$OUT/summary.txt"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		echo "$r $(run "redis-$r" $REDIS_PORT_A)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "memory-$r" $MEMORY_PORT)" | tee -a "$OUT/summary.txt"
	else
		echo "$r $(run "memory-$r" $MEMORY_PORT)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "redis-$r" $REDIS_PORT_A)" | tee -a "$OUT/summary.txt"
	fi
done
awk 'NR > 1 { split($2, name, "-"); sum[name[1]] += $3; n[name[1]]++ }
	END { r = sum["redis"] / n["redis"]; m = sum["memory"] / n["memory"];
		printf "mean requests/s: store=redis %.0f, store=memory %.0f, ratio %.3f\n", r, m, r / m }' \
	"$OUT/summary.txt" | tee -a "$OUT/summary.txt"

# Replication lag, A -> B, under a stream of new flows pinned away from a draining instance.
curl -fs -X POST -H 'Content-Type: application/json' -d '{"instance":"demo-1","state":"draining"}' \
	"http://127.0.0.1:$REDIS_PORT_A/actuator/latencylb/demo" >/dev/null
wrk -t1 -c16 -d"${SECONDS_PER_ROUND}s" -s "$OUT/new-sessions.lua" "http://127.0.0.1:$REDIS_PORT_A/" > "$OUT/lag-load.txt"
sleep 1
curl -fs "http://127.0.0.1:$REDIS_PORT_B/actuator/prometheus" | grep '^latencylb_affinity' > "$OUT/lag-b.prom"
curl -fs "http://127.0.0.1:$REDIS_PORT_A/actuator/prometheus" | grep '^latencylb_affinity' > "$OUT/lag-a.prom"
awk '/replication_lag_seconds\{.*quantile="0.5"/ { p50 = $2 } /replication_lag_seconds\{.*quantile="0.99"/ { p99 = $2 }
	/replication_lag_seconds_count/ { n = $2 }
	END { printf "replication lag A -> B over %d pin changes: p50 %.1f ms, p99 %.1f ms\n", n, p50 * 1000, p99 * 1000 }' \
	"$OUT/lag-b.prom" | tee -a "$OUT/summary.txt"
grep -E 'published|dropped' "$OUT/lag-a.prom" | tee -a "$OUT/summary.txt"
