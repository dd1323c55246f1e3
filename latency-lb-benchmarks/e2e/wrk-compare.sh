#!/usr/bin/env bash
# End-to-end overhead of latency-lb: the sample gateway with latency-lb against the same gateway with
# latency-lb.enabled=false (Spring's round robin), both in front of the same loopback backends,
# driven by wrk in alternating rounds in one run. Loopback only; every process is stopped at the end.
# Requests look like a browser's: a User-Agent, Accept headers, three ordinary cookies, and half of
# them one of 10,000 session cookies (the flow key). Both gateways get WARMUP_SECONDS (default 60) of
# load before timing, in alternating 15 s slices (a JIT-cold gateway is several times slower). The
# result is the median, over the rounds, of each round's throughput ratio (latency-lb / disabled).
# Beside it, a steadier reading of the same cost: requests served per CPU-second of each gateway's
# JVM (utime + stime from /proc during the round), whose ratio noise from other processes moves less
# than it moves throughput; on a CPU-bound 2-core machine the two ratios estimate the same overhead.
#
# Usage: latency-lb-benchmarks/e2e/wrk-compare.sh [rounds=5] [seconds-per-round=15] [connections=64]
#        WARMUP_SECONDS=20 ... for a quick trial only (the figures are then not comparable).
#        PROFILE=cpu (or alloc) ... profiles each gateway during each timed round with async-profiler
#          (from Maven Central, attached through jcmd): $OUT/<gateway>-<round>-profile.txt (flat, top 80)
#          and -collapsed.txt (for flame graphs, or to sum the samples under io/github/latencylb
#          frames). The profiler costs throughput: compare profiles, not the ratios of such a run.
#        OURS_ARGS="--latency-lb.enabled=false" ... an A/A run: both gateways the same, which shows
#          this machine's noise between two JVMs (2 cores: about +-5% on the median);
#          BASELINE_ARGS="--latency-lb.enabled=true" ... the A/A run of two latency-lb gateways.
#        PIN=1 ... both gateways on the last CPU, wrk and the backends on the others (taskset): each
#          gateway then has one core of its own while it is timed, so that the load generator and the
#          backends competing for the same cores move its throughput less (needs 2 CPUs or more; each
#          gateway JVM then sizes itself for one CPU: the serial collector; Reactor Netty still runs
#          its minimum of four event loops on that core).
#        TOGETHER=1 ... (with PIN=1) each round drives both gateways at the same time, two wrk processes,
#          so that both share the gateway core, and whatever slows the machine during the round slows
#          both alike. The scheduler then splits that core between the two JVMs, and the ratio of their
#          requests per CPU-second is the overhead; each gateway's CPU use should be near 50%.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
SECONDS_PER_ROUND=${2:-15}
CONNECTIONS=${3:-64}
WARMUP_SECONDS=${WARMUP_SECONDS:-60}
BACKENDS=4
BACKEND_DELAY_MS=${BACKEND_DELAY_MS:-1}
FIRST_BACKEND_PORT=19101
OURS_PORT=19081
BASELINE_PORT=19082
OUT=${OUT:-target/wrk-compare}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
gateway_cpu=()
load_cpu=()
if [ -n "${PIN:-}" ]; then
	last=$(($(nproc) - 1))
	[ "$last" -ge 1 ] || { echo "PIN needs 2 CPUs or more" >&2; exit 2; }
	gateway_cpu=(taskset -c "$last")
	load_cpu=(taskset -c "0-$((last - 1))")
fi
# Remove the old jar first: otherwise the jar plugin may keep it and repackaging keeps its old nested jars.
rm -f sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar.original
./mvnw -B -q -pl sample-gateway -am -Dmaven.test.skip=true -Dspring-javaformat.skip=true package
JAR=sample-gateway/target/sample-gateway-0.1.0-SNAPSHOT.jar
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

${load_cpu[@]+"${load_cpu[@]}"} java -Xmx256m -cp "$JAR" -Dloader.main=io.github.latencylb.sample.DemoBackendsMain \
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
${gateway_cpu[@]+"${gateway_cpu[@]}"} java -Xmx512m "${jfr[@]}" -jar "$JAR" --server.port=$OURS_PORT "${common[@]}" "${ours_args[@]}" > "$OUT/ours.log" 2>&1 &
pids+=($!)
OURS_PID=$!
# BASELINE_ARGS: replaces the baseline's --latency-lb.enabled=false (e.g. BASELINE_ARGS=--latency-lb.enabled=true
# with no OURS_ARGS: an A/A run of two latency-lb gateways).
read -r -a baseline_args <<< "${BASELINE_ARGS:---latency-lb.enabled=false}"
${gateway_cpu[@]+"${gateway_cpu[@]}"} java -Xmx512m "${jfr_baseline[@]}" -jar "$JAR" --server.port=$BASELINE_PORT "${baseline_args[@]}" "${common[@]}" > "$OUT/baseline.log" 2>&1 &
pids+=($!)
BASELINE_PID=$!
CLOCK_TICKS=$(getconf CLK_TCK)
PROFILER=""
PROFILE_EVENT=""
OUT_ABS=$(cd "$OUT" && pwd)
if [ -n "${PROFILE:-}" ]; then
	case "$PROFILE" in cpu) PROFILE_EVENT="event=itimer,interval=1ms" ;; alloc) PROFILE_EVENT="event=alloc,alloc=64k" ;;
		*) echo "PROFILE must be cpu or alloc" >&2; exit 2 ;; esac
	./mvnw -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.1 -DoutputDirectory="$OUT/async-profiler"
	(cd "$OUT/async-profiler" && unzip -o -q async-profiler-4.1.jar 'linux-x64/*')
	PROFILER="$(cd "$OUT/async-profiler/linux-x64" && pwd)/libasyncProfiler.so"
fi
profiler() { # pid command: one async-profiler command (start, dump, stop) through jcmd
	[ -z "$PROFILER" ] || jcmd "$1" JVMTI.agent_load "$PROFILER" "\"$2\"" >/dev/null
}

for port in $OURS_PORT $BASELINE_PORT; do
	for _ in $(seq 1 120); do
		curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
		sleep 0.5
	done
done

# Browser-like requests: every one has a User-Agent, Accept headers and three ordinary cookies; half
# also carry one of 10,000 session cookies (the flow key), half are keyless.
cat > "$OUT/sessions.lua" <<'LUA'
local base = "_ga=GA1.2.1418263307.1700000000; consent=necessary%2Canalytics; theme=dark"
local headers = {
	["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	["Accept-Language"] = "en-GB,en;q=0.9",
	["Accept-Encoding"] = "gzip, deflate, br",
}
request = function()
	if math.random() < 0.5 then
		headers["Cookie"] = base .. "; SESSION=s" .. math.random(1, 10000)
	else
		headers["Cookie"] = base
	end
	return wrk.format("GET", "/", headers)
end
LUA

cpu_ticks() { # pid: user + system CPU ticks of the process so far
	awk '{print $14 + $15}' "/proc/$1/stat"
}

run() { # name port pid
	local rps p50 p99 requests cpu_before cpu_after per_cpu busy
	cpu_before=$(cpu_ticks "$3")
	profiler "$3" "start,$PROFILE_EVENT"
	${load_cpu[@]+"${load_cpu[@]}"} wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" --latency -s "$OUT/sessions.lua" "http://127.0.0.1:$2/" > "$OUT/$1.txt"
	cpu_after=$(cpu_ticks "$3")
	profiler "$3" "dump,file=$OUT_ABS/$1-profile.txt,flat=80,traces=0"
	profiler "$3" "stop,file=$OUT_ABS/$1-collapsed.txt,collapsed"
	requests=$(awk '/requests in/ {print $1}' "$OUT/$1.txt")
	per_cpu=$(awk -v n="$requests" -v t="$((cpu_after - cpu_before))" -v hz="$CLOCK_TICKS" 'BEGIN { printf "%.0f", (t > 0) ? n * hz / t : 0 }')
	rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$1.txt")
	p50=$(awk '$1=="50%" {print $2}' "$OUT/$1.txt")
	p99=$(awk '$1=="99%" {print $2}' "$OUT/$1.txt")
	grep -q "Non-2xx\|Socket errors" "$OUT/$1.txt" && echo "warning: $1 had errors: $(grep 'Non-2xx\|Socket errors' "$OUT/$1.txt")" >&2
	# The gateway's CPU use during the round, in % of one core: near 100 with PIN=1 when the
	# gateway (not the load generator) is the bottleneck, as it must be to compare throughput.
	busy=$(awk -v t="$((cpu_after - cpu_before))" -v hz="$CLOCK_TICKS" -v s="$SECONDS_PER_ROUND" 'BEGIN { printf "%.0f", 100 * t / hz / s }')
	echo "$1 $rps $p50 $p99 $per_cpu $busy"
}

# Warm up both JVMs in alternating slices of at most 15 s, WARMUP_SECONDS each, then alternate
# rounds so that machine noise hits both alike.
[ "$WARMUP_SECONDS" -ge 60 ] || echo "warning: WARMUP_SECONDS=$WARMUP_SECONDS < 60: a trial, not a measurement" >&2
warmed=0
while [ "$warmed" -lt "$WARMUP_SECONDS" ]; do
	slice=$((WARMUP_SECONDS - warmed < 15 ? WARMUP_SECONDS - warmed : 15))
	${load_cpu[@]+"${load_cpu[@]}"} wrk -t2 -c"$CONNECTIONS" -d"${slice}s" -s "$OUT/sessions.lua" "http://127.0.0.1:$OURS_PORT/" >/dev/null &
	warming=$!
	# TOGETHER: both at once, as they will be timed; otherwise one after the other.
	[ -n "${TOGETHER:-}" ] || wait "$warming"
	${load_cpu[@]+"${load_cpu[@]}"} wrk -t2 -c"$CONNECTIONS" -d"${slice}s" -s "$OUT/sessions.lua" "http://127.0.0.1:$BASELINE_PORT/" >/dev/null
	[ -z "${TOGETHER:-}" ] || wait "$warming"
	warmed=$((warmed + slice))
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "round gateway requests/s p50 p99 requests-per-cpu-second gateway-cpu-%" | tee "$OUT/summary.txt"
for r in $(seq 1 "$ROUNDS"); do
	if [ -n "${TOGETHER:-}" ]; then
		run "ours-$r" $OURS_PORT $OURS_PID > "$OUT/ours-$r.line" &
		together=$!
		run "baseline-$r" $BASELINE_PORT $BASELINE_PID > "$OUT/baseline-$r.line"
		wait "$together"
		echo "$r $(cat "$OUT/ours-$r.line")" | tee -a "$OUT/summary.txt"
		echo "$r $(cat "$OUT/baseline-$r.line")" | tee -a "$OUT/summary.txt"
		continue
	fi
	# Alternate which one goes first.
	if [ $((r % 2)) -eq 1 ]; then
		echo "$r $(run "ours-$r" $OURS_PORT $OURS_PID)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "baseline-$r" $BASELINE_PORT $BASELINE_PID)" | tee -a "$OUT/summary.txt"
	else
		echo "$r $(run "baseline-$r" $BASELINE_PORT $BASELINE_PID)" | tee -a "$OUT/summary.txt"
		echo "$r $(run "ours-$r" $OURS_PORT $OURS_PID)" | tee -a "$OUT/summary.txt"
	fi
done
# Each round's ratio, then their median (and the means, for reference).
awk -v load="$LOAD_BEFORE $(cut -d' ' -f1-3 /proc/loadavg)" 'NR > 1 { split($2, name, "-"); rps[$1, name[1]] = $3; cpu[$1, name[1]] = $6; sum[name[1]] += $3; n[name[1]]++; if ($1 > rounds) rounds = $1 }
	function median_of(a, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		for (r = 1; r <= rounds; r++) {
			ratio[r] = rps[r, "ours"] / rps[r, "baseline"]
			cpu_ratio[r] = (cpu[r, "baseline"] > 0) ? cpu[r, "ours"] / cpu[r, "baseline"] : 0
			printf "round %d ratio %.3f, requests per CPU-second ratio %.3f\n", r, ratio[r], cpu_ratio[r]
		}
		median = median_of(ratio, rounds)
		printf "MEDIAN REQUESTS PER CPU-SECOND RATIO over %d alternated rounds: %.3f\n", rounds, median_of(cpu_ratio, rounds)
		o = sum["ours"] / n["ours"]; b = sum["baseline"] / n["baseline"]
		printf "mean requests/s: latency-lb %.0f, latency-lb.enabled=false %.0f\n", o, b
		printf "MEDIAN RATIO over %d alternated rounds: %.3f (overhead %.1f%%); load average 1/5/15 before/after timing: %s\n", rounds, median, (1 - median) * 100, load }' \
	"$OUT/summary.txt" | tee -a "$OUT/summary.txt"
