#!/usr/bin/env bash
# Profiles the server (and the load generator) with async-profiler while bench/loadgen drives one scenario, to find
# where a request's time goes: wall-clock (every thread, sleeping too), CPU and allocation, as collapsed stacks and
# a summary of the hottest frames on the threads that serve requests.
# Usage: bench/profile-request.sh OUT_DIR [--formats binary] [--concurrency 1] [--model simple_linear]
#        (async-profiler comes from Maven Central: tools.profiler:async-profiler, its jar carries the native library)
# Build first: mvn -B install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"; shift
repository="$root/examples/models"
profiler_version=4.1
native="$(mktemp -d)"
mvn -q -B dependency:copy -Dartifact=tools.profiler:async-profiler:$profiler_version -DoutputDirectory="$native"
unzip -q -o "$native"/async-profiler-*.jar 'linux-x64/*' -d "$native"
library="$native/linux-x64/libasyncProfiler.so"
. "$root/bench/start-distribution.sh"
cd "$root"
server_pid="$(pgrep -f -n "java.*$work/gantry" || true)"
[ -n "$server_pid" ] || { echo "no server JVM found under $work"; exit 1; }
seconds=${PROFILE_SECONDS:-8}
# The load generator runs in the background, long enough for three profiles of $seconds each after its warm-up
# (attaching takes a few seconds each).
model=simple_linear
args=("$@")
for ((i = 0; i < ${#args[@]} - 1; i++)); do [ "${args[i]}" = "--model" ] && model="${args[i + 1]}"; done
mvn -q -B -pl bench/loadgen exec:java -Dexec.args="--url http://127.0.0.1:$port --seconds $((3 * seconds + 30)) \
  --warmup-seconds 4 --probe false $*" > "$out/loadgen.txt" 2>&1 &
loadgen=$!
# Profiles start once the warm-up (its first request is the first the model counts) is over.
served() { curl -sf "http://127.0.0.1:$port/v2/models/$model/stats" | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["model_stats"][0]["inference_stats"]["success"]["count"])' 2>/dev/null; }
until [ "$(served || echo 0)" -gt 0 ]; do sleep 0.5; done
sleep 6
client_pid="$(pgrep -f -n "java.*exec:java.*$port" || true)"
profile() { # pid event file
  jcmd "$1" JVMTI.agent_load "$library" "\"start,event=$2,threads\"" > /dev/null
  sleep "$seconds"
  jcmd "$1" JVMTI.agent_load "$library" "\"stop,file=$3\"" > /dev/null
}
for event in wall cpu alloc; do
  ( profile "$client_pid" "$event" "$out/client-$event.collapsed" ) &
  profile "$server_pid" "$event" "$out/server-$event.collapsed"
  wait $!
done
wait "$loadgen" || true
python3 "$root/bench/top-frames.py" "$out"/*.collapsed > "$out/top-frames.txt"
cat "$out/loadgen.txt" | tail -8
echo "top frames: $out/top-frames.txt"
