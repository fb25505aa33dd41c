#!/usr/bin/env bash
# Starts a fresh copy of the built distribution on the example models and drives it with the load generator
# (bench/loadgen): requests/s, latency percentiles and server overhead, JSON and binary, at 1 and 16 clients.
# Usage: bench/run-loadgen.sh [--repository DIR] [--model simple_linear[,other]] [--seconds 10]
#                             [--concurrency 1,16] [--formats json,binary] [--json-out FILE]
# Dynamic batching against no batching, on the repository that scripts/fixtures/make-benchmark-models.py writes:
#   bench/run-loadgen.sh --repository bench/loadgen/models --model tiny_encoder,tiny_encoder_batched \
#       --formats binary --concurrency 1,4,16
# Build first: mvn -B install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repository="$root/examples/models"
if [ "${1:-}" = "--repository" ]; then
  repository="$(cd "$2" && pwd)"
  shift 2
fi
. "$root/bench/start-distribution.sh"
cd "$root"
mvn -q -B -pl bench/loadgen exec:java -Dexec.args="--url http://127.0.0.1:$port $*"
