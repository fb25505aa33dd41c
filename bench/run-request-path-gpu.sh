#!/usr/bin/env bash
# The request path's benchmark (bench/request-path.sh) on the GPU machine, which has no Java: the kit from
# bench/pack.sh carries the JRE, the lean -Pgpu assembly, the bridge's source and the load generator's jars.
#   bench/run-request-path-gpu.sh KIT_DIR OUT_DIR [--seconds 10]
# OUT_DIR gets table.md (the table on stdout too), results.json, runs.txt and logs.txt.
set -euo pipefail
kit="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'tail -100 "$out/cmake.log" > "$out/logs.txt" 2>/dev/null; rm -f "$out/cmake.log"; rm -rf "$work"' EXIT
source "$root/bench/gpu-lib.sh"
echo "torch at $torch_dir; $(nproc) cores"; nvidia-smi --query-gpu=name --format=csv,noheader || true
prepare_kit "$kit" "$work" "$out/cmake.log"
"$root/bench/request-path.sh" --assembly "$work/gantry" --loadgen "$kit/loadgen" --engine libtorch --out "$out" "$@"
