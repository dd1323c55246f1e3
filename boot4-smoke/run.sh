#!/usr/bin/env bash
# Smoke check of the Spring Boot 4 line, as a user sees it: builds a Boot 4.0 gateway OUTSIDE this
# project (app/ copied to a temporary directory) whose only addition is latency-lb-starter-boot4,
# routes it over two loopback backends found by simple discovery, and checks cookie affinity and
# the latencylb actuator endpoint. Not part of CI (it installs artifacts and starts processes).
#
# Artifacts are installed into a private local repository (never ~/.m2): SMOKE_M2, by default
# /tmp/latency-lb-boot4-smoke-m2, seeded from ~/.m2/repository on first use.
#
#   boot4-smoke/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
m2="${SMOKE_M2:-/tmp/latency-lb-boot4-smoke-m2}"
work="$(mktemp -d /tmp/boot4-app.XXXXXX)"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "gateway log: $work/gateway.log" >&2; exit 1; }

if [ ! -d "$m2" ]; then
	echo "Seeding $m2 from ~/.m2/repository"
	cp -r "$HOME/.m2/repository" "$m2"
fi

echo "Installing latency-lb-starter-boot4 (and what it needs) into $m2"
"$root/mvnw" -B -ntp -q -f "$root/pom.xml" -Dmaven.repo.local="$m2" -pl latency-lb-starter-boot4 -am install \
	-DskipTests -Dspring-javaformat.skip

echo "Building the gateway in $work"
cp -r "$root/boot4-smoke/app/." "$work/"
"$root/mvnw" -B -ntp -q -f "$work/pom.xml" -Dmaven.repo.local="$m2" package

for i in 1 2; do
	python3 "$root/boot4-smoke/backend.py" "backend-$i" "$work/backend-$i.port" &
	pids+=($!)
done
gateway_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
for i in 1 2; do
	for _ in $(seq 50); do [ -s "$work/backend-$i.port" ] && break; sleep 0.1; done
done
backend_1="$(cat "$work/backend-1.port")"
backend_2="$(cat "$work/backend-2.port")"

java -jar "$work"/target/boot4-gateway-0.0.1.jar --server.port="$gateway_port" --server.address=127.0.0.1 \
	--BACKEND_1_PORT="$backend_1" --BACKEND_2_PORT="$backend_2" >"$work/gateway.log" 2>&1 &
gateway=$!
pids+=("$gateway")
base="http://127.0.0.1:$gateway_port"
# A quiet machine starts it in seconds; a loaded one took 80 s.
for _ in $(seq 600); do
	curl -sf "$base/actuator/health" >/dev/null 2>&1 && break
	kill -0 "$gateway" 2>/dev/null || fail "gateway exited"
	sleep 0.5
done
curl -sf "$base/actuator/health" >/dev/null || fail "gateway did not start"
grep -m1 "Spring Boot ::\|Starting GatewayApplication" "$work/gateway.log" || true

# Cookie affinity: each SESSION stays on one instance; different sessions use both instances.
used=""
for session in alice bob carol dave erin frank grace heidi; do
	seen="$(for _ in $(seq 10); do curl -sf -b "SESSION=$session" -D - -o /dev/null "$base/work" \
		| tr -d '\r' | awk -F': ' 'tolower($1)=="x-instance" {print $2}'; done | sort -u)"
	[ "$(echo "$seen" | wc -l)" -eq 1 ] && [ -n "$seen" ] || fail "SESSION=$session went to: $seen"
	echo "SESSION=$session -> $seen (10 of 10)"
	used="$(printf '%s\n%s' "$used" "$seen")"
done
[ "$(echo "$used" | sed '/^$/d' | sort -u | wc -l)" -eq 2 ] || fail "sessions did not spread over both instances"

# The actuator endpoint.
services="$(curl -sf "$base/actuator/latencylb")" || fail "/actuator/latencylb"
echo "/actuator/latencylb: $services"
echo "$services" | grep -q '"backend"' || fail "/actuator/latencylb does not list the service"
service="$(curl -sf "$base/actuator/latencylb/backend")" || fail "/actuator/latencylb/backend"
echo "/actuator/latencylb/backend: ${service:0:400}..."
echo "$service" | grep -q '"pinned"\|"home"' || fail "/actuator/latencylb/backend shows no decisions"
curl -sf "$base/actuator/prometheus" | grep -m3 '^latencylb' || fail "no latencylb metrics in /actuator/prometheus"
echo "OK: Spring Boot 4 gateway with latency-lb-starter-boot4 ($work)"
