# Sourced by the GPU machine's scripts (run-gpu.sh, run-request-path-gpu.sh): unpacks the kit bench/pack.sh made
# from "$kit" into "$work" and builds the libtorch bridge against that machine's torch. Sets $torch_dir, $library
# (the bridge), $JAVA_HOME and PATH (the kit's JRE) and points the assembly ("$work/gantry") at the bridge.
# Needs $kit, $work and $out (where cmake.log goes); the caller removes $work.
torch_dir="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
echo "torch at $torch_dir"
cmake -S "$kit/native-kit" -B "$work/native" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_dir/share/cmake/Torch" -DJNI_INCLUDE="$kit/native-kit/jni" \
  -DCUDAToolkit_ROOT=/usr/local/cuda > "$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; exit 1; }
cmake --build "$work/native" --parallel 8 >> "$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; exit 1; }
library="$work/native/libgantry_libtorch.so"
tar -xJf "$kit/jre.txz" -C "$work"; tar -xJf "$kit/gantry-gpu.txz" -C "$work"
java_home="$(dirname "$(dirname "$(ls "$work"/jre*/bin/java)")")"
export JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH"
echo "nativeLibrary = $library" > "$work/gantry/etc/org.gantry.engine.libtorch.cfg"
