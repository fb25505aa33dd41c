#!/usr/bin/env bash
# The embeddings benchmark: starts a fresh copy of the built distribution on the example models and
# compares the minilm_embeddings ensemble over HTTP with the same tokenizer + encoder + pooling run in-process
# (bench/loadgen EmbeddingBenchmark), at batch 1 and 32, alternating the two in rounds.
# Usage: bench/run-embedding-benchmark.sh [--seconds 30] [--batches 1,32]
# Build first: mvn -B install -DskipTests (which also writes the MiniLM weights into examples/models)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repository="$root/examples/models"
. "$root/bench/start-distribution.sh"
cd "$root"
DJL_CACHE_DIR="$root/bench/loadgen/target/djl-cache" mvn -q -B -pl bench/loadgen exec:java \
  -Dloadgen.main=org.gantry.loadgen.EmbeddingBenchmark \
  -Dexec.args="--url http://127.0.0.1:$port --models $root/examples/models $*"
