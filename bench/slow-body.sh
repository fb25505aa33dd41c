#!/usr/bin/env bash
# A normal client's latency under a slow-body attack (200 connections sending their body a byte a second),
# against the same client without it, alternating in rounds in one run; and the server's thread count.
# Usage: bench/slow-body.sh [--slow 200] [--seconds 20] [--rounds 2]      (build first: mvn -B install -DskipTests)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repository="$root/examples/models"
. "$root/bench/start-distribution.sh"
java_pid="$(pgrep -f "java.*$work/gantry" | head -1)"
cd "$root"
mvn -q -B -pl bench/loadgen exec:java -Dloadgen.main=org.gantry.loadgen.SlowBodyBenchmark \
  -Dexec.args="--url http://127.0.0.1:$port --pid $java_pid $*"
