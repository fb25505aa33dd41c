#!/usr/bin/env bash
# Measures the status page with 1,000 models in the repository and 300 resident: the snapshot endpoint's time and
# size, the page's first load and its updates in headless Chromium. Writes bench/results/status-page.json and the
# screenshot itests/e2e/target/status-page/status-page-1000-models.png.
# Usage: bench/status-page.sh   (after mvn -B install -DskipTests; needs Debian's chromium)
# Options through the environment: BENCH_MODELS (1000), BENCH_RESIDENT (300), MVN_ARGS (e.g. -o).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -q ${MVN_ARGS:-} -pl itests/e2e test -Dtest=StatusPageBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dgantry.bench.models="${BENCH_MODELS:-1000}" -Dgantry.bench.resident="${BENCH_RESIDENT:-300}" \
  -Dgantry.bench.out="$root/bench/results/status-page.json"
cat bench/results/status-page.json
