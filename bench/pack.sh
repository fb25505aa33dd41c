#!/usr/bin/env bash
# Packs what bench/run-gpu.sh and bench/run-request-path-gpu.sh need on a GPU machine without Java into .gpu/: a
# jlinked Java 17, the lean -Pgpu assembly (TorchScript on the libtorch bridge, no DJL or TensorFlow natives, no
# SSH), the bridge's native kit (C++ source, CMakeLists.txt, this JDK's JNI headers) and the load generator's
# LoadGenerator with its HTTP client's and Jackson's jars (loadgen/, about 4.5 MiB). A device run carries 64 MiB
# with the working tree: check the total that du prints at the end.
# Rebuilds the default distribution afterwards, so the tests find it as before.
# Usage: bench/pack.sh   (after mvn -B install -DskipTests)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="$root/.gpu"
rm -rf "$kit" && mkdir -p "$kit"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
# Uncompressed modules, then xz over all: 18 MiB, against 30 with jlink's own compression.
"$java_home/bin/jlink" --output "$kit/jre" --strip-debug --no-header-files --no-man-pages --compress=0 \
  --add-modules java.base,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.management,jdk.naming.rmi,jdk.net,jdk.unsupported,jdk.zipfs
tar -cf - -C "$kit" jre | xz -9 -T2 > "$kit/jre.txz" && rm -rf "$kit/jre"
cd "$root"
mvn -q -B -o package -pl distribution -Pgpu
# Karaf's alternatives that this assembly never starts (Equinox: it runs on Felix; logback: it logs with log4j2) stay
# behind: a device run carries 64 MiB in all, the working tree included.
tar -cf - -C distribution/target --transform 's|^assembly|gantry|' \
  --exclude='assembly/system/org/eclipse/platform/org.eclipse.osgi' \
  --exclude='assembly/system/org/ops4j/pax/logging/pax-logging-logback' assembly | xz -9 -T2 > "$kit/gantry-gpu.txz"
cp -r plugins/engines/libtorch/target/native-kit "$kit/native-kit"
mvn -q -B -o dependency:copy-dependencies -pl bench/loadgen -DoutputDirectory="$kit/loadgen" \
  -DincludeGroupIds=org.apache.httpcomponents.client5,org.apache.httpcomponents.core5,com.fasterxml.jackson.core,org.slf4j
# LoadGenerator, SafeUpdatesBenchmark and the closed-loop clients they drive alone: the module's jar also holds gRPC stubs and the other
# benchmarks.
jar cf "$kit/loadgen/loadgen.jar" $(cd bench/loadgen/target/classes \
  && ls org/gantry/loadgen/LoadGenerator*.class org/gantry/loadgen/ClosedLoop*.class org/gantry/loadgen/SafeUpdatesBenchmark*.class \
  | sed 's/^/-C bench\/loadgen\/target\/classes /')
mvn -q -B -o package -pl distribution
du -sh "$kit"/*
