#!/usr/bin/env bash
# The request path's benchmark (bench/request-path.sh) on the GPU machine, which has no Java: the kit from
# bench/pack.sh carries the JRE, the lean -Pgpu assembly, the bridge's source and the load generator's jars.
#   bench/run-request-path-gpu.sh KIT_DIR OUT_DIR [--seconds 10]
# OUT_DIR gets table.md (the table on stdout too), results.json, runs.txt and logs.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/gpu-lib.sh"
start_kit "$1" "$2"; shift 2
"$root/bench/request-path.sh" --assembly "$work/gantry" --loadgen "$kit/loadgen" --engine libtorch --out "$out" "$@"
