#!/usr/bin/env bash
# The safe-updates overhead benchmark: what a shadow or data capture costs the requests of the model that has it,
# against the same model without either, in one run on a fresh copy of the distribution. Four copies of the
# batching benchmark's model (tiny_encoder_batched, from scripts/fixtures/make-benchmark-models.py) differ only in
# their parameters: off (neither), capture (every exchange captured, tensors to files beside the records),
# shadow10 and shadow100 (10 % and 100 % of requests copied to shadow_target, a fifth copy). bench/loadgen's
# SafeUpdatesBenchmark drives them at 16 closed-loop clients, alternating in rounds.
# Usage: bench/safe-updates.sh [--seconds 10] [--rounds 3] [--concurrency 16] [--models off,capture,shadow10,shadow100]
#                              [--assembly DIR] [--loadgen DIR] [--engine libtorch] [--kind KIND_GPU]
# --assembly, --loadgen and --engine as in bench/request-path.sh (the GPU kit's way: bench/run-safe-updates-gpu.sh);
# --kind puts every copy's instances on that kind (KIND_GPU: the GPU machine's device 0).
# Build first: mvn -B install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source_model="$root/bench/loadgen/models/tiny_encoder_batched"
. "$root/bench/lib.sh"
assembly=""; loadgen=""; engine=""; kind=""; benchmark_args=()
while [ $# -gt 0 ]; do
  kit_option "$1" "${2-}" || case "$1" in
    --kind) kind="$2" ;;
    *) benchmark_args+=("$1" "$2") ;;
  esac
  shift 2
done
repository="$(mktemp -d)"
copy() {
  mkdir -p "$repository/$1/1"
  cp "$source_model/1/"* "$repository/$1/1/"
  sed "s/\"tiny_encoder_batched\"/\"$1\"/" "$source_model/config.pbtxt" > "$repository/$1/config.pbtxt"
  [ -z "$engine" ] || parameter "$1" engine "$engine"
  [ -z "$kind" ] || printf 'instance_group [ { kind: %s } ]\n' "$kind" >> "$repository/$1/config.pbtxt"
}
parameter() { printf 'parameters { key: "%s" value: { string_value: "%s" } }\n' "$2" "$3" >> "$repository/$1/config.pbtxt"; }
copy off
copy capture && parameter capture capture true
copy shadow10 && parameter shadow10 shadow_model shadow_target && parameter shadow10 shadow_percent 10
copy shadow100 && parameter shadow100 shadow_model shadow_target && parameter shadow100 shadow_percent 100
copy shadow_target
. "$root/bench/start-distribution.sh"
trap '"$work/gantry/bin/stop" >/dev/null 2>&1 || kill "$server"; wait "$server" 2>/dev/null; rm -rf "$work" "$repository"' EXIT
cd "$root"
if [ -n "$loadgen" ]; then
  java -cp "$loadgen/*" org.gantry.loadgen.SafeUpdatesBenchmark --url "http://127.0.0.1:$port" "${benchmark_args[@]}"
else
  mvn -q -B -pl bench/loadgen exec:java -Dloadgen.main=org.gantry.loadgen.SafeUpdatesBenchmark \
    -Dexec.args="--url http://127.0.0.1:$port ${benchmark_args[*]}"
fi
