# Sourced by the benchmark scripts that can run on a GPU kit (bench/request-path.sh, bench/safe-updates.sh): the
# options by which the kit's wrappers (bench/run-*-gpu.sh) point them at its assembly, load generator and engine.

# kit_option OPTION VALUE: --assembly DIR and --loadgen DIR set $assembly and $loadgen (absolute; a folder that does
# not exist ends the script), --engine NAME sets $engine; any other option returns 1, for the caller's own options.
kit_option() {
  case "$1" in
    --assembly) assembly="$(cd "$2" && pwd)" || exit ;;
    --loadgen) loadgen="$(cd "$2" && pwd)" || exit ;;
    --engine) engine="$2" ;;
    *) return 1 ;;
  esac
}
