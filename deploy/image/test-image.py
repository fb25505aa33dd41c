#!/usr/bin/env python3
"""Runs the image built by deploy/image/build-image.sh the way SageMaker and KServe start it, then serves requests.

No container runtime is needed: the image is unpacked with umoci (its root file system and the runtime
configuration umoci derives from the image: entrypoint, command, environment, user, working directory) and its
entrypoint runs as a plain process in that root file system, chrooted, as the image's user, in a mount and PID
namespace of its own, so that it is PID 1 and receives SIGTERM as in a container. The network is the host's.

  sagemaker  as a CPU multi-model endpoint starts it (deploy/sagemaker/cpu-multi-model/create-model.json):
             docker run IMAGE serve with SAGEMAKER_BIND_TO_PORT, SAGEMAKER_SAFE_PORT_RANGE and SAGEMAKER_MULTI_MODEL
             set; the model in /opt/ml/models/<name>/model, added with POST /models, invoked through
             /models/<name>/invoke and /invocations (named by the target model header, or by custom attributes
             as on GPU endpoints); every other listener inside the safe port range.
  kserve     as deploy/kserve/cluster-serving-runtime.yaml starts it: its args and env, the example repository in
             /mnt/models (what the storage initializer writes), readiness from its probe; every example model with
             expected answers is served over v2 REST.
Both end with SIGTERM: the process drains and exits well within SageMaker's and Kubernetes' 30 s.

Usage (root): deploy/image/test-image.py [--image DIR] [--tag TAG] [--work DIR] [scenario...]
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "models"


def image_env():
    values = {}
    for line in (ROOT / "deploy/image/image.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_range(size):
    """A run of consecutive free ports, as SageMaker reserves for a container's other listeners."""
    for _ in range(200):
        low = free_port()
        ports = range(low, low + size)
        if ports[-1] < 65536 and all(is_free(p) for p in ports):
            return low, ports[-1]
    raise RuntimeError("no free port range")


def is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def http(method, port, path, body=None, headers=None, timeout=60):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def listeners(pid):
    """The TCP ports a process listens on, from /proc, as ss -ltnp shows them."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].split(":")[1], 16))
    return ports


class Container:
    """The unpacked image, its entrypoint run as a container runtime would run it."""

    def __init__(self, image, tag, work, name):
        self.bundle = work / name
        if self.bundle.exists():
            shutil.rmtree(self.bundle)
        subprocess.run(["umoci", "unpack", "--image", f"{image}:{tag}", str(self.bundle)], check=True,
                       stdout=subprocess.DEVNULL)
        self.rootfs = self.bundle / "rootfs"
        self.spec = json.loads((self.bundle / "config.json").read_text())
        self.log = work / f"{name}.log"
        self.process = None

    def start(self, args=None, env=None):
        """Runs the image's entrypoint with args (None: the image's command) and extra environment."""
        spec = self.spec["process"]
        entrypoint_and_cmd = spec["args"]
        command = entrypoint_and_cmd if args is None else [entrypoint_and_cmd[0]] + list(args)
        environment = dict(item.split("=", 1) for item in spec["env"])
        environment.update(env or {})
        user = f'{spec["user"]["uid"]}:{spec["user"]["gid"]}'
        inner = "cd {} && exec \"$@\"".format(shlex.quote(spec.get("cwd", "/")))
        chrooted = ["chroot", f"--userspec={user}", str(self.rootfs), "/usr/bin/env", "-i"] + [
            f"{k}={v}" for k, v in environment.items()] + ["/bin/sh", "-c", inner, "sh"] + command
        rootfs = shlex.quote(str(self.rootfs))
        setup = (f"mount -t proc proc {rootfs}/proc && mount --rbind /dev {rootfs}/dev && "
                 f"mount --rbind /sys {rootfs}/sys && mount -t tmpfs tmpfs {rootfs}/tmp && exec "
                 + " ".join(shlex.quote(part) for part in chrooted))
        print(f"  runs {' '.join(command)} as {user} with {sorted(env or {})}")
        self.process = subprocess.Popen(["unshare", "--mount", "--pid", "--fork", "--kill-child", "--", "sh", "-c",
                                         setup], stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)

    def pid1(self):
        """The host's pid of the container's PID 1 (after the entrypoint's execs, the JVM)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0])

    def await_status(self, port, path, status=200, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the container exited with {self.process.returncode}; see {self.log}")
            try:
                if http("GET", port, path, timeout=5)[0] == status:
                    return time.time()
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{path} did not answer {status} within {timeout} s; see {self.log}")

    def terminate(self, within):
        """SIGTERM to PID 1, as docker stop, SageMaker and the kubelet send; returns the seconds to exit."""
        started = time.time()
        os.kill(self.pid1(), signal.SIGTERM)
        try:
            self.process.wait(within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"still running {within} s after SIGTERM")
        return time.time() - started

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}")


def expected_cases(model):
    cases = json.loads((EXAMPLES / model / "expected.json").read_text())
    for version, version_cases in cases.items():
        if not version.isdigit():
            continue  # other shapes of expectations (tiny_seq2seq's generation cases)
        for case in version_cases:
            yield version, case


def outputs_match(expected, actual, tolerance=1e-4):
    by_name = {output["name"]: output for output in actual}
    for output in expected:
        got = by_name.get(output["name"])
        if got is None or got["shape"] != output["shape"] or len(got["data"]) != len(output["data"]):
            return False
        for want, have in zip(output["data"], got["data"]):
            if isinstance(want, (int, float)) and abs(want - have) > tolerance * max(1, abs(want)):
                return False
            if not isinstance(want, (int, float)) and want != have:
                return False
    return True


def sagemaker(container):
    model = json.loads((ROOT / "deploy/sagemaker/cpu-multi-model/create-model.json").read_text())["PrimaryContainer"]
    port = free_port()
    low, high = free_port_range(10)
    env = dict(model.get("Environment", {}))
    env.update({"SAGEMAKER_BIND_TO_PORT": str(port), "SAGEMAKER_SAFE_PORT_RANGE": f"{low}-{high}",
                "SAGEMAKER_MULTI_MODEL": "true"})
    # What SageMaker does for POST /models: the model's archive, unpacked under /opt/ml/models/<name>/model.
    target = container.rootfs / "opt/ml/models/simple_linear/model"
    shutil.copytree(EXAMPLES / "simple_linear", target)
    container.start(args=["serve"], env=env)
    started = time.time()
    ready = container.await_status(port, "/ping")
    print(f"  /ping 200 after {ready - started:.1f} s")
    others = listeners(container.pid1()) - {port}
    check(port in listeners(container.pid1()) and all(low <= p <= high for p in others),
          f"listens on SAGEMAKER_BIND_TO_PORT {port}, every other port {sorted(others)} in {low}-{high}")
    status, body = http("POST", port, "/models", {"model_name": "simple_linear",
                                                  "url": "/opt/ml/models/simple_linear/model"})
    check(status == 200, f"POST /models loads from /opt/ml/models: {status} {body}")
    status, body = http("GET", port, "/models")
    check(status == 200 and "simple_linear" in body, f"GET /models lists it: {body}")
    for version, case in expected_cases("simple_linear"):
        request = {"inputs": case["inputs"]}
        status, body = http("POST", port, "/models/simple_linear/invoke", request)
        check(status == 200 and outputs_match(case["outputs"], json.loads(body)["outputs"]),
              f"POST /models/simple_linear/invoke answers as torch did: {body}")
        status, body = http("POST", port, "/invocations", request,
                            {"X-Amzn-SageMaker-Target-Model": "simple_linear"})
        check(status == 200 and outputs_match(case["outputs"], json.loads(body)["outputs"]),
              f"POST /invocations with X-Amzn-SageMaker-Target-Model answers the same")
        status, body = http("POST", port, "/invocations", request,
                            {"X-Amzn-SageMaker-Custom-Attributes": "model=simple_linear"})
        check(status == 200 and outputs_match(case["outputs"], json.loads(body)["outputs"]),
              f"POST /invocations with model=simple_linear in X-Amzn-SageMaker-Custom-Attributes (GPU endpoints)")
    status, body = http("DELETE", port, "/models/simple_linear")
    check(status == 200, f"DELETE /models/simple_linear: {status}")
    seconds = container.terminate(within=30)
    check(container.process.returncode == 0, f"SIGTERM: drained and exited with status 0 in {seconds:.1f} s")


def kserve(container):
    runtime = yaml.safe_load((ROOT / "deploy/kserve/cluster-serving-runtime.yaml").read_text())
    spec = runtime["spec"]["containers"][0]
    env = {item["name"]: str(item["value"]) for item in spec.get("env", [])}
    port = spec["ports"][0]["containerPort"]
    if not is_free(port):
        # Another server on this machine has the pod's port; a pod has a network of its own.
        port = free_port()
        env["GANTRY_HTTP_PORT"] = str(port)
        print(f"  (port {spec['ports'][0]['containerPort']} is taken on this machine: using {port})")
    env["GANTRY_GRPC_PORT"] = str(free_port())
    # What KServe's storage initializer writes: the InferenceService's storageUri, a model repository.
    shutil.copytree(EXAMPLES, container.rootfs / "mnt/models")
    container.start(args=spec.get("args"), env=env)
    started = time.time()
    probe = spec["readinessProbe"]["httpGet"]["path"]
    ready = container.await_status(port, probe)
    print(f"  {probe} 200 after {ready - started:.1f} s")
    check(http("GET", port, spec["livenessProbe"]["httpGet"]["path"])[0] == 200, "liveness probe answers 200")
    served = 0
    for model in sorted(p.name for p in EXAMPLES.iterdir() if (p / "expected.json").exists()):
        for version, case in expected_cases(model):
            if not isinstance(case, dict) or "inputs" not in case:
                continue
            status, body = http("POST", port, f"/v2/models/{model}/versions/{version}/infer",
                                {"inputs": case["inputs"]})
            check(status == 200 and outputs_match(case["outputs"], json.loads(body)["outputs"]),
                  f"{model} version {version} from /mnt/models answers as torch did")
            served += 1
    check(served >= 5, f"{served} example requests served")
    status, body = http("GET", port, "/metrics")
    check(status == 200 and "gantry_requests_in_flight" in body, "/metrics for Prometheus")
    seconds = container.terminate(within=30)
    check(container.process.returncode == 0, f"SIGTERM: drained and exited with status 0 in {seconds:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=str(ROOT / "target/image/image"))
    parser.add_argument("--tag", default=image_env()["GANTRY_IMAGE_TAG"])
    parser.add_argument("--work", default=str(ROOT / "target/image/test"))
    parser.add_argument("scenarios", nargs="*", default=["sagemaker", "kserve"])
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("test-image: run as root (umoci unpack keeps owners; chroot and namespaces need root)")
    tag = options.tag
    work = Path(options.work)
    work.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name in options.scenarios:
        print(f"{name}:")
        container = Container(options.image, tag, work, name)
        try:
            {"sagemaker": sagemaker, "kserve": kserve}[name](container)
        except AssertionError as failure:
            failures += 1
            print(f"  FAILED: {failure}")
        finally:
            container.stop()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
