#!/usr/bin/env bash
# The GPU benchmark, one command on the GPU machine (no Java there: the kit carries a JRE):
#   bench/run-gpu.sh KIT_DIR OUT_DIR [--quick]
# KIT_DIR holds what bench/pack.sh made here: jre.txz (a jlinked Java 17), gantry-gpu.txz (the -Pgpu assembly:
# TorchScript on the libtorch bridge, no DJL/TensorFlow natives) and native-kit/ (the bridge's C++ source and JNI
# headers). The script builds the bridge against the machine's torch (CUDA), makes the models with that torch and
# times them in-process (bench/make_models.py), starts Gantry on them at the 80 % GPU-memory target and measures it
# (bench/client.py). Results, logs and a table land in OUT_DIR.
# BENCH_CONTENTION=1 runs only the memory-contention check instead (client.py --contention): 8 clients over
# BENCH_CONTENTION_MODELS (60) models at BENCH_GPU_UTILIZATION (0.8; the issue used 0.06, room for 28), with
# nvidia-smi sampled every 200 ms against the target.
set -euo pipefail
export PYTHONUNBUFFERED=1
kit="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"; quick="${3:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
source "$root/bench/gpu-lib.sh"
echo "torch at $torch_dir"; nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv | tee "$out/gpu.txt"

# 1. The bridge, against this machine's libtorch and CUDA.
build_bridge "$kit" "$work/native" "$out/cmake.log"

# 2. Models and the in-process torch reference.
# 400 models as the published case's churn; 700 for a second churn where they cannot all stay resident.
models=400; copies=${BENCH_COPIES:-700}; requests=2000
[ "$quick" = "--quick" ] && models=20 && copies=30 && requests=100
python3 "$root/bench/make_models.py" "$work/models" "$out/torch-reference.json" --copies "$copies" \
  > "$out/make_models.log" 2>&1 || { tail -40 "$out/make_models.log"; exit 1; }

# 3. Gantry.
unpack_gantry "$kit" "$work"
echo "nativeLibrary = $library" > "$work/gantry/etc/org.gantry.engine.libtorch.cfg"
port=18080
utilization=${BENCH_GPU_UTILIZATION:-0.8}
before_mib=$(nvidia-smi -i 0 --query-gpu=memory.used --format=csv,noheader,nounits) # other processes, no Gantry yet
GANTRY_HTTP_PORT=$port GANTRY_MODEL_REPOSITORY="$work/models" GANTRY_MEMORY_GPU_UTILIZATION=$utilization \
  LD_LIBRARY_PATH="$torch_dir/lib" "$work/gantry/bin/karaf" server > "$out/karaf-console.log" 2>&1 &
server=$!
finish() {
  kill $server 2>/dev/null; wait $server 2>/dev/null || true
  # Few files come back from a device run: the logs go into one.
  for log in "$out/cmake.log" "$out/make_models.log" "$out/karaf-console.log" "$work"/gantry/data/log/karaf.log; do
    [ -f "$log" ] && { echo "==== $log"; tail -200 "$log"; }
  done > "$out/logs.txt" 2>/dev/null
  rm -f "$out/cmake.log" "$out/make_models.log" "$out/karaf-console.log"
  rm -rf "$work"
}
trap finish EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break; sleep 1; done
curl -s "http://127.0.0.1:$port/v2/memory" > "$out/memory-at-start.json"
if [ -n "${BENCH_CONTENTION:-}" ]; then
  python3 "$root/bench/client.py" "http://127.0.0.1:$port" "$work/models" "$out/gantry-results.json" \
    --contention --utilization "$utilization" --gpu-used-before-mib "$before_mib" \
    --models "${BENCH_CONTENTION_MODELS:-60}" --requests "$requests" 2>&1 \
    | tee "$out/client.log"
else
  python3 "$root/bench/client.py" "http://127.0.0.1:$port" "$work/models" "$out/gantry-results.json" \
    --requests "$requests" --models "$models" --more-models "$copies" ${BENCH_MEMORY_ONLY:+--memory-only} 2>&1 \
    | tee "$out/client.log"
fi
curl -s "http://127.0.0.1:$port/metrics" > "$out/metrics.txt"
grep -h "warm\|engine ready\|TorchScript models with" "$work"/gantry/data/log/karaf.log | cut -c1-300 || true
python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
merged = {name: json.loads((out / (name + ".json")).read_text()) for name in ("torch-reference", "gantry-results",
                                                                             "memory-at-start")}
(out / "results.json").write_text(json.dumps(merged, indent=1))
for name in merged:
    (out / (name + ".json")).unlink()
PY
