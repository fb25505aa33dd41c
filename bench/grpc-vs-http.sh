#!/usr/bin/env bash
# Unary inference over gRPC (ModelInfer, raw_input_contents) against HTTP with binary tensors, same model and input
# bytes, alternating in rounds in one run, with each protocol's no-work call as its floor.
# Usage: bench/grpc-vs-http.sh [--model simple_linear] [--seconds 5] [--rounds 3] [--concurrency 1,16]
#                              [--json-out FILE]                 (build first: mvn -B install -DskipTests)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repository="$root/examples/models"
. "$root/bench/start-distribution.sh"
cd "$root"
mvn -q -B -pl bench/loadgen exec:java -Dloadgen.main=org.gantry.loadgen.GrpcBenchmark \
  -Dexec.args="--url http://127.0.0.1:$port --grpc 127.0.0.1:$grpc_port $*"
