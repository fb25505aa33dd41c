# Shared by bench/run-gpu.sh and bench/run-gpu-host-tier.sh on the GPU machine (sourced, not run).

# build_bridge KIT_DIR BUILD_DIR LOG: Gantry's libtorch bridge against this machine's torch (CUDA); sets $library.
build_bridge() {
  local kit="$1" build="$2" log="$3"
  cmake -S "$kit/native-kit" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_dir/share/cmake/Torch" -DJNI_INCLUDE="$kit/native-kit/jni" \
    -DCUDAToolkit_ROOT=/usr/local/cuda > "$log" 2>&1 || { tail -40 "$log"; exit 1; }
  cmake --build "$build" --parallel 8 >> "$log" 2>&1 || { tail -40 "$log"; exit 1; }
  library="$build/libgantry_libtorch.so"
}

# unpack_gantry KIT_DIR WORK_DIR: the jlinked JRE and the -Pgpu assembly into WORK_DIR/gantry, on PATH.
unpack_gantry() {
  local kit="$1" work="$2"
  tar -xJf "$kit/jre.txz" -C "$work"; tar -xJf "$kit/gantry-gpu.txz" -C "$work"
  java_home="$(dirname "$(dirname "$(ls "$work"/jre*/bin/java)")")"
  export JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH"
}

# start_kit KIT_DIR OUT_DIR: for the wrappers that run one benchmark on the kit. Sets $kit and $out (absolute),
# builds the bridge and unpacks the assembly into a fresh $work (the assembly at $work/gantry, the bridge as the
# libtorch engine's library), and on exit leaves the build log's tail in OUT_DIR/logs.txt and removes $work.
start_kit() {
  kit="$(cd "$1" && pwd)"; out="$(mkdir -p "$2" && cd "$2" && pwd)"
  work="$(mktemp -d)"
  trap 'tail -100 "$out/cmake.log" > "$out/logs.txt" 2>/dev/null; rm -f "$out/cmake.log"; rm -rf "$work"' EXIT
  echo "torch at $torch_dir; $(nproc) cores"; nvidia-smi --query-gpu=name --format=csv,noheader || true
  build_bridge "$kit" "$work/native" "$out/cmake.log"
  unpack_gantry "$kit" "$work"
  echo "nativeLibrary = $library" > "$work/gantry/etc/org.gantry.engine.libtorch.cfg"
  export LD_LIBRARY_PATH="$torch_dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

torch_dir="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
