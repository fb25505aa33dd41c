#!/usr/bin/env bash
# Starts a fresh copy of the built distribution on the example models and drives it with the load generator
# (itests/loadgen): requests/s, latency percentiles and server overhead, JSON and binary, at 1 and 16 clients.
# Usage: scripts/run-loadgen.sh [--model simple_linear] [--seconds 10] [--concurrency 1,16] [--json-out FILE]
# Build first: mvn -B install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
cp -r "$root/distribution/target/assembly" "$work/gantry"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
GANTRY_HTTP_PORT="$port" GANTRY_MODEL_REPOSITORY="$root/examples/models" \
  "$work/gantry/bin/karaf" server > "$work/karaf-console.log" 2>&1 &
server=$!
trap '"$work/gantry/bin/stop" >/dev/null 2>&1 || kill "$server"; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break
  sleep 1
done
cd "$root"
mvn -q -B -pl itests/loadgen exec:java -Dexec.args="--url http://127.0.0.1:$port $*"
