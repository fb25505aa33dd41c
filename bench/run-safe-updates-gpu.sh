#!/usr/bin/env bash
# The safe-updates overhead benchmark (bench/safe-updates.sh) on the GPU machine, which has no Java, from the kit of
# bench/pack.sh: the models on Gantry's libtorch bridge, on the GPU (KIND_GPU) and then on the CPU (KIND_CPU), each
# in its own fresh server.
#   bench/run-safe-updates-gpu.sh KIT_DIR OUT_DIR [--seconds 5] [--rounds 4] [--models off,capture,shadow10]
# OUT_DIR gets gpu.txt and cpu.txt (each the benchmark's table and traffic summaries) and logs.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/gpu-lib.sh"
start_kit "$1" "$2"; shift 2
for kind in GPU CPU; do
  "$root/bench/safe-updates.sh" --assembly "$work/gantry" --loadgen "$kit/loadgen" --engine libtorch \
    --kind "KIND_$kind" "$@" | tee "$out/$(echo "$kind" | tr A-Z a-z).txt"
done
