#!/usr/bin/env bash
# The request path's benchmark (issue 24), one command here and on the GPU machine: requests/s, latency
# percentiles, the server's own time (its statistics) and the overhead (client p50 minus server time) for
#   GET /v2/health/live at 1 client; simple_linear JSON against binary; a 64 KB and a 4 MB FP32 tensor through
#   versioned_scale (16,384 and 1,048,576 elements in, as many out), JSON against binary; at 1 and 16 clients;
# for each server variant, one after the other on the same machine in the same run:
#   jersey:   this build with GANTRY_LEAN_INFERENCE=false (infer through JAX-RS, the way every endpoint went);
#   lean:     this build as shipped (infer through InferenceFilter);
#   baseline: a build given with --baseline-assembly (main's distribution, say), if any.
# Usage: bench/request-path.sh [--seconds 10] [--clients 1,16] [--out DIR] [--assembly DIR]
#                              [--baseline-assembly DIR] [--loadgen DIR] [--variants jersey,lean]
# OUT (a fresh temporary folder by default) gets table.md, results.json (every scenario's figures) and runs.txt
# (the load generator's own tables). --engine libtorch: the models run on Gantry's libtorch bridge on the CPU (the
# GPU kit's lean assembly has no DJL engine, the models' default), as the issue's figures were measured. --loadgen: a folder of the load generator's jars (bench/pack.sh puts one in the GPU kit); by default they are
# gathered from this checkout's build. Build first: mvn -B install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/bench/lib.sh"
seconds=10; clients=1,16; out=""; assembly="$root/distribution/target/assembly"; baseline_assembly=""
loadgen=""; variants=""; engine=""
while [ $# -gt 0 ]; do
  kit_option "$1" "${2-}" || case "$1" in
    --seconds) seconds="$2" ;;
    --clients) clients="$2" ;;
    --out) out="$2" ;;
    --baseline-assembly) baseline_assembly="$(cd "$2" && pwd)" ;;
    --variants) variants="$2" ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
  shift 2
done
[ -n "$variants" ] || variants="jersey,lean${baseline_assembly:+,baseline}"
out="$(mkdir -p "${out:-$(mktemp -d)}" && cd "${out:-.}" && pwd)"
if [ -z "$loadgen" ]; then
  loadgen="$root/bench/loadgen/target/request-path-lib"
  rm -rf "$loadgen"
  (cd "$root" && mvn -q -B -o dependency:copy-dependencies -pl bench/loadgen -DoutputDirectory="$loadgen" \
    -DincludeGroupIds=org.apache.httpcomponents.client5,org.apache.httpcomponents.core5,com.fasterxml.jackson.core,org.slf4j)
  cp "$root"/bench/loadgen/target/gantry-loadgen-*.jar "$loadgen/"
fi
# Only the two models the benchmark asks: nothing else loads or warms up beside them.
repository="$(mktemp -d)"
cp -r "$root/examples/models/simple_linear" "$root/examples/models/versioned_scale" "$repository/"
if [ -n "$engine" ]; then
  for config in "$repository"/*/config.pbtxt; do
    printf '\nparameters { key: "engine" value { string_value: "%s" } }\ninstance_group [ { kind: KIND_CPU } ]\n' \
      "$engine" >> "$config"
  done
fi
runs="$(mktemp -d)" # each scenario's JSON, merged into $out/results.json at the end (few files come back from a device)
trap 'rm -rf "$repository" "$runs"' EXIT
rm -f "$out/runs.txt"

measure() { # variant assembly lean
  (
    assembly="$2"
    export GANTRY_LEAN_INFERENCE="$3"
    . "$root/bench/start-distribution.sh"
    run() { java -cp "$loadgen/*" org.gantry.loadgen.LoadGenerator --url "http://127.0.0.1:$port" \
      --seconds "$seconds" --warmup-seconds 3 --concurrency "$clients" "$@"; }
    run --model simple_linear --json-out "$runs/$1-trivial.json"
    run --model versioned_scale --elements 16384 --probe false --json-out "$runs/$1-64k.json"
    run --model versioned_scale --elements 1048576 --probe false --json-out "$runs/$1-4m.json"
  ) 2>&1 | tee -a "$out/runs.txt"
}
for variant in ${variants//,/ }; do
  case "$variant" in
    jersey) measure jersey "$assembly" false ;;
    lean) measure lean "$assembly" true ;;
    baseline) measure baseline "$baseline_assembly" true ;;
  esac
done
python3 "$root/bench/request-path-table.py" "$runs" "$out/results.json" ${variants//,/ } | tee "$out/table.md"
echo "results: $out"
