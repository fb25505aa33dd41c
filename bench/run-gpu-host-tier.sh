#!/usr/bin/env bash
# The host tier on the GPU machine (no Java there: the kit carries a JRE), tier off and on in the same run:
#   bench/run-gpu-host-tier.sh KIT_DIR OUT_DIR [--quick]
# KIT_DIR is what bench/pack.sh made (see bench/run-gpu.sh). Steps: the bridge against the machine's torch; the
# models (bench/make_models.py: bert_base and BENCH_COPIES, 700, hard links of one 296 MB s2s model); the copy
# bandwidth host <-> GPU with torch (bench/copy_bandwidth.py); then for each phase in BENCH_PHASES ("off on"),
# Gantry started afresh at the 80 % GPU target with the host tier off (GANTRY_MEMORY_HOST_TIER_BUDGET=0) or at
# BENCH_HOST_TIER_BUDGET (80GiB), measured by bench/host_tier_client.py: the churn (BENCH_REQUESTS, 2000, over all
# models from 8 clients, after one unmeasured pass over every model), and with the tier on also BENCH_SINGLE (20)
# single reloads of a 296 MB model from the host tier against the disk path. OUT_DIR gets three files, with every
# phase measured so far: results.json, logs.txt and table.md (bench/host_tier_table.py).
# One device command runs at most 10 minutes: with BENCH_WORK=DIR (kept, with the results of earlier phases; the
# bridge and the models are made once) the phases run as separate commands on the same warm machine:
# BENCH_PHASES=off, then BENCH_PHASES=on.
set -euo pipefail
export PYTHONUNBUFFERED=1
kit="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"; quick="${3:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/gpu-lib.sh"
work="${BENCH_WORK:-$(mktemp -d)}"; mkdir -p "$work"; work="$(cd "$work" && pwd)"
[ -z "${BENCH_WORK:-}" ] && trap 'rm -rf "$work"' EXIT
copies=${BENCH_COPIES:-700}; requests=${BENCH_REQUESTS:-2000}; single=${BENCH_SINGLE:-20}
utilization=${BENCH_GPU_UTILIZATION:-0.8}; tier_budget=${BENCH_HOST_TIER_BUDGET:-80GiB}
host_budget=${BENCH_HOST_BUDGET:-100GiB}
if [ "$quick" = "--quick" ]; then # about 10 s2s models fit: evictions without 700 models
  copies=30; requests=200; single=3; utilization=${BENCH_GPU_UTILIZATION:-0.04}; tier_budget=${BENCH_HOST_TIER_BUDGET:-4GiB}
fi
res="$work/results"; mkdir -p "$res"  # per phase, kept with BENCH_WORK until a later command assembles them
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv | tee "$res/gpu.txt"
grep MemTotal /proc/meminfo | tee -a "$res/gpu.txt"

if [ ! -f "$work/native/libgantry_libtorch.so" ]; then
  build_bridge "$kit" "$work/native" "$res/cmake.log"
fi
library="$work/native/libgantry_libtorch.so"
if [ ! -d "$work/models/s2s_$(printf %03d $((copies - 1)))" ]; then
  python3 "$root/bench/make_models.py" "$work/models" "$res/torch-reference.json" --copies "$copies" \
    > "$res/make_models.log" 2>&1 || { tail -40 "$res/make_models.log"; exit 1; }
fi
[ -f "$res/bandwidth.json" ] || python3 "$root/bench/copy_bandwidth.py" "$res/bandwidth.json"
[ -d "$work/gantry" ] || unpack_gantry "$kit" "$work"
export JAVA_HOME="$(dirname "$(dirname "$(ls "$work"/jre*/bin/java)")")"; export PATH="$JAVA_HOME/bin:$PATH"
echo "nativeLibrary = $library" > "$work/gantry/etc/org.gantry.engine.libtorch.cfg"

port=18080
for phase in ${BENCH_PHASES:-off on}; do
  budget=0; extra=()
  [ "$phase" = "on" ] && budget="$tier_budget" && extra=(--single "$single")
  rm -rf "$work/gantry/data"  # a fresh server: no footprints, no log of the other phase
  GANTRY_HTTP_PORT=$port GANTRY_MODEL_REPOSITORY="$work/models" GANTRY_MEMORY_GPU_UTILIZATION=$utilization \
    GANTRY_MEMORY_HOST_BUDGET="$host_budget" GANTRY_MEMORY_HOST_TIER_BUDGET="$budget" \
    LD_LIBRARY_PATH="$torch_dir/lib" "$work/gantry/bin/karaf" server > "$res/console-$phase.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break; sleep 1; done
  java_pid="$(pgrep -f "karaf.home=$work/gantry" | head -1 || true)"
  python3 "$root/bench/host_tier_client.py" "http://127.0.0.1:$port" "$work/gantry/data/log/karaf.log" \
    "${java_pid:-$server}" "$res/results-$phase.json" --models "$copies" --requests "$requests" ${extra[@]+"${extra[@]}"} \
    > "$res/client-$phase.log" 2>&1 || { tail -40 "$res/client-$phase.log"; }
  curl -s "http://127.0.0.1:$port/metrics" | grep -E "^gantry_(host_tier|tier_reload)" > "$res/metrics-$phase.txt" || true
  # The karaf script runs Java as its child: stop both, and wait until the port is free for the next phase.
  [ -n "$java_pid" ] && kill "$java_pid" 2>/dev/null
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
  for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$port/" || break; sleep 1; done
  for log in "$res/console-$phase.log" "$res/client-$phase.log" "$work/gantry/data/log/karaf.log"; do
    [ -f "$log" ] && { echo "==== $log"; grep -v "Loaded model\|Evicted model" "$log" | tail -150; }
  done > "$res/logs-$phase.txt" 2>/dev/null
done
# Few files come back from a device run: everything so far in three.
for log in "$res"/logs-*.txt "$res"/*.log; do [ -f "$log" ] && { echo "==== $log"; tail -300 "$log"; }; done \
  > "$out/logs.txt" 2>/dev/null || true
python3 - "$res" "$out/results.json" <<'PY'
import json, pathlib, sys
res = pathlib.Path(sys.argv[1])
merged = {p.stem: json.loads(p.read_text()) for p in sorted(res.glob("*.json"))}
merged.update({p.stem: p.read_text() for p in sorted(res.glob("*.txt")) if not p.name.startswith("logs-")})
pathlib.Path(sys.argv[2]).write_text(json.dumps(merged, indent=1))
PY
python3 "$root/bench/host_tier_table.py" "$res" | tee "$out/table.md"
