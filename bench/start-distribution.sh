# Sourced by the benchmark scripts: starts a fresh copy of the built distribution (or of "$assembly", when set) on
# "$repository" on free ports, sets $port (HTTP) and $grpc_port (gRPC), waits until it is ready, and stops and
# removes it when the calling script exits.
work="$(mktemp -d)"
cp -r "${assembly:-$root/distribution/target/assembly}" "$work/gantry"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
grpc_port="$(free_port)"
GANTRY_HTTP_PORT="$port" GANTRY_GRPC_PORT="$grpc_port" GANTRY_MODEL_REPOSITORY="$repository" \
  "$work/gantry/bin/karaf" server > "$work/karaf-console.log" 2>&1 &
server=$!
trap '"$work/gantry/bin/stop" >/dev/null 2>&1 || kill "$server"; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break
  sleep 1
done
