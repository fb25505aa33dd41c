#!/usr/bin/env bash
# The safe-updates overhead benchmark (bench/safe-updates.sh) on the GPU machine, which has no Java, from the kit of
# bench/pack.sh: the models on Gantry's libtorch bridge, on the GPU (KIND_GPU) and then on the CPU (KIND_CPU), each
# in its own fresh server.
#   bench/run-safe-updates-gpu.sh KIT_DIR OUT_DIR [--seconds 5] [--rounds 4] [--models off,capture,shadow10]
# OUT_DIR gets gpu.txt and cpu.txt (each the benchmark's table and traffic summaries) and logs.txt.
set -euo pipefail
kit="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'tail -100 "$out/cmake.log" > "$out/logs.txt" 2>/dev/null; rm -f "$out/cmake.log"; rm -rf "$work"' EXIT
source "$root/bench/gpu-lib.sh"
echo "torch at $torch_dir; $(nproc) cores"; nvidia-smi --query-gpu=name --format=csv,noheader || true
prepare_kit "$kit" "$work" "$out/cmake.log"
for kind in GPU CPU; do
  "$root/bench/safe-updates.sh" --assembly "$work/gantry" --loadgen "$kit/loadgen" --engine libtorch \
    --kind "KIND_$kind" "$@" | tee "$out/$(echo "$kind" | tr A-Z a-z).txt"
done
