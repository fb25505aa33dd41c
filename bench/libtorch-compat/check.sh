#!/usr/bin/env bash
# Do TorchScript files saved by current torch load on the CPU libtorch Gantry ships?
# Usage: bench/libtorch-compat/check.sh MODELS   (MODELS written by save.py with current torch, e.g. on the GPU
# machine: python3 bench/libtorch-compat/save.py "$OUT/models")
# Loads every model with Debian's libtorch 1.13 (through /usr/bin/python3's torch) and through the built
# distribution's TorchScript backend (mvn install -DskipTests first), and prints one line per model and engine.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
repository="$(cd "$1" && pwd)"
/usr/bin/python3 - "$repository" <<'PY'
import json, os, sys, torch
for name in sorted(os.listdir(sys.argv[1])):
    expected = json.load(open(f"{sys.argv[1]}/{name}/expected.json"))
    try:
        module = torch.jit.load(f"{sys.argv[1]}/{name}/1/model.pt")
        x = torch.tensor(expected["input"]).reshape(expected["shape"])
        difference = (module(x).flatten() - torch.tensor(expected["output"])).abs().max().item()
        print(f"libtorch {torch.__version__} (Debian)\t{name}\tloads, max abs difference {difference:.2e}")
    except Exception as e:
        print(f"libtorch {torch.__version__} (Debian)\t{name}\tFAILS: {str(e).strip().splitlines()[0]}")
PY
source "$root/bench/start-distribution.sh"
for model in "$repository"/*/; do
  name="$(basename "$model")"
  python3 - "$port" "$name" "$model/expected.json" <<'PY'
import json, sys, urllib.request, urllib.error
port, name, expected = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
body = json.dumps({"inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": expected["shape"],
                               "data": expected["input"]}]}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/{name}/infer", body,
                                 {"Content-Type": "application/json"})
try:
    output = json.load(urllib.request.urlopen(request, timeout=120))["outputs"][0]["data"]
    difference = max(abs(a - b) for a, b in zip(output, expected["output"]))
    print(f"Gantry's TorchScript backend\t{name}\tloads, max abs difference {difference:.2e}")
except urllib.error.HTTPError as e:
    print(f"Gantry's TorchScript backend\t{name}\tFAILS: {e.code} {e.read().decode()[:200]}")
PY
done
