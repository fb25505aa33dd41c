#!/usr/bin/env python3
"""Measures a running Gantry on the GPU benchmark's models (bench/make_models.py) and writes the results as JSON.

  cold start    first request to an unloaded model, its file in page cache
  cached        median latency of bert_base at 30, 250 and 550 tokens, one client, and at 250 tokens with 5
  residency     2,000 requests spread uniformly at random over the 400 s2s models from 8 clients, at the
                server's 80 % GPU-memory target: resident models, answers by status (507 is out of memory)
  memory        device memory (nvidia-smi) before any load, with one model loaded, and after it is unloaded
  contention    (--contention, alone) requests from 8 clients over more s2s models than the budget holds, with
                nvidia-smi sampled every 200 ms against the target (capacity x --utilization) and /v2/memory beside
                it (leased, being freed, unleased, budget, waiting loads); then everything unloaded and sampled again

Usage: python3 bench/client.py URL MODEL_REPOSITORY RESULTS_JSON [--requests 2000] [--models 400]
       python3 bench/client.py URL MODEL_REPOSITORY RESULTS_JSON --contention --utilization 0.06 [--models 60]
           [--gpu-used-before-mib N]
"""
import argparse
import collections
import http.client
import json
import random
import statistics
import subprocess
import threading
import time
import urllib.parse

from concurrency import median_concurrent_latency, run_together


class Client:
    """One keep-alive connection; opened again when the server closed it while idle."""

    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        self.address = (parsed.hostname, parsed.port)
        self.connection = http.client.HTTPConnection(*self.address, timeout=600)

    def call(self, method, path, body=None):
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.connection.close()
                self.connection = http.client.HTTPConnection(*self.address, timeout=600)
                if attempt == 2:
                    raise


def gpu_used_mib():
    out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def tokens(count, seed):
    rng = random.Random(seed)
    return [rng.randrange(1000, 28000) for _ in range(count)]


def bert_request(count, seed=0):
    ids = tokens(count, seed)
    return {"inputs": [{"name": "input_ids", "datatype": "INT64", "shape": [1, count], "data": ids},
                       {"name": "attention_mask", "datatype": "INT64", "shape": [1, count], "data": [1] * count}]}


def s2s_request(seed=0):
    ids = tokens(30, seed)
    return {"inputs": [{"name": "input_ids", "datatype": "INT64", "shape": [1, 30], "data": ids},
                       {"name": "decoder_input_ids", "datatype": "INT64", "shape": [1, 1], "data": [0]}]}


def must(status, data):
    if status != 200:
        raise SystemExit("the server answered %d: %s" % (status, data[:300]))
    return json.loads(data)


def wait_for_warm_up(timeout=120):
    """Boot features install asynchronously: wait until the TorchScript backend's warm-up has made its CUDA context."""
    deadline = time.time() + timeout
    while time.time() < deadline and gpu_used_mib() < 200:
        time.sleep(0.5)
    time.sleep(2)


def stats_totals(client, model):
    stats = must(*client.call("GET", "/v2/models/%s/stats" % model))["model_stats"][0]["inference_stats"]
    return {key: (stats[key]["ns"], stats[key]["count"]) for key in ("compute_infer", "queue", "success")}


def cuda_models(client):
    memory = must(*client.call("GET", "/v2/memory"))
    for device in memory["devices"]:
        if device["kind"] == "gpu":
            return device, [m for m in device["models"] if m["state"] == "RESIDENT"]
    raise SystemExit("the server sees no GPU: " + json.dumps(memory))


def s2s_requests(url, order, cursor, statuses, errors, lock):
    """A client's work: it takes the next request number from cursor and calls s2s model order[i] until none is
    left, counting statuses and keeping the first 20 errors."""
    def work():
        own = Client(url)
        for i in cursor:
            status, data = own.call("POST", "/v2/models/s2s_%03d/infer" % order[i], s2s_request(i))
            with lock:
                statuses[status] += 1
                if status != 200 and len(errors) < 20:
                    errors.append("%d %s" % (status, data[:300].decode(errors="replace")))
    return work


def churn(args, client, models):
    """Requests spread uniformly at random over the first `models` s2s models from several clients."""
    results = {"models": models}
    lock = threading.Lock()
    statuses = collections.Counter()
    errors = []
    rng = random.Random(models)
    order = [rng.randrange(models) for _ in range(args.requests)]
    cursor = iter(range(args.requests))
    samples = []
    done = threading.Event()
    evictions_before = must(*client.call("GET", "/v2/memory")).get("evictions")

    def sample():
        own = Client(args.url)
        while not done.is_set():
            device, resident = cuda_models(own)
            samples.append((len(resident), device["used_bytes"], gpu_used_mib()))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    run_together(s2s_requests(args.url, order, cursor, statuses, errors, lock), args.clients)
    results["seconds"] = time.perf_counter() - start
    done.set()
    sampler.join()
    device, resident = cuda_models(client)
    results["statuses"] = dict(statuses)
    results["errors"] = errors
    results["resident_after"] = len(resident)
    results["resident_max"] = max(s[0] for s in samples)
    results["gantry_used_bytes_max"] = max(s[1] for s in samples)
    results["gpu_used_mib_max"] = max(s[2] for s in samples)
    results["evictions"] = must(*client.call("GET", "/v2/memory")).get("evictions") - evictions_before
    return results


def gpu_memory(memory):
    for device in memory["devices"]:
        if device["kind"] == "gpu":
            return device
    raise SystemExit("the server sees no GPU: " + json.dumps(memory))


def contention(args, client, at_start_mib):
    """The issue's check on a GPU: no failed request, and what nvidia-smi shows Gantry using within the target."""
    capacity = gpu_memory(must(*client.call("GET", "/v2/memory")))["capacity_bytes"]
    target_mib = capacity * args.utilization / 2**20
    rng = random.Random(args.models)
    order = [rng.randrange(args.models) for _ in range(args.requests)]
    cursor = iter(range(args.requests))
    lock = threading.Lock()
    statuses = collections.Counter()
    errors = []
    smi, served = [], []
    done = threading.Event()
    evictions_before = must(*client.call("GET", "/v2/memory"))["evictions"]
    # nvidia-smi's own loop: one process, a line every 200 ms, the figure the issue was measured with.
    smi_process = subprocess.Popen(["nvidia-smi", "-i", "0", "--query-gpu=memory.used",
                                    "--format=csv,noheader,nounits", "-lms", "200"],
                                   stdout=subprocess.PIPE, text=True)

    def read_smi():
        for line in smi_process.stdout:
            if line.strip().isdigit():
                smi.append((time.perf_counter(), int(line)))

    def read_memory():
        own = Client(args.url)
        while not done.is_set():
            gpu = gpu_memory(must(*own.call("GET", "/v2/memory")))
            served.append((time.perf_counter(), gpu["used_bytes"], gpu.get("freeing_bytes", 0),
                           gpu.get("unleased_bytes", -1), gpu["budget_bytes"], gpu.get("waiting_reservations", 0),
                           sum(1 for m in gpu["models"] if m["state"] == "RESIDENT")))
            time.sleep(0.2)

    readers = [threading.Thread(target=read_smi, daemon=True), threading.Thread(target=read_memory)]
    for reader in readers:
        reader.start()
    start = time.perf_counter()
    run_together(s2s_requests(args.url, order, cursor, statuses, errors, lock), args.clients)
    seconds = time.perf_counter() - start
    # Everything unloaded: what stays on the device is what the leases never held.
    gpu = gpu_memory(must(*client.call("GET", "/v2/memory")))
    for model in {m["name"] for m in gpu["models"]}:
        must(*client.call("POST", "/v2/repository/models/%s/unload" % model, {}))
    time.sleep(3)
    done.set()
    readers[1].join()
    smi_process.terminate()
    after = gpu_memory(must(*client.call("GET", "/v2/memory")))
    during = [mib for t, mib in smi if t <= start + seconds]
    return {
        "models": args.models, "requests": args.requests, "clients": args.clients, "seconds": seconds,
        "statuses": dict(statuses), "errors": errors,
        "evictions": must(*client.call("GET", "/v2/memory"))["evictions"] - evictions_before,
        "target_mib": target_mib, "gpu_used_mib_before_gantry": at_start_mib,
        "nvidia_smi_samples": len(during),
        "gantry_on_device_mib_max": max(during) - at_start_mib,
        "nvidia_smi_samples_over_target": sum(1 for mib in during if mib - at_start_mib > target_mib),
        "report_samples": len(served),
        "report_samples_leased_over_budget": sum(1 for s in served if s[1] + s[2] > s[4]),
        "budget_mib_min": min(s[4] for s in served) / 2**20, "budget_mib_max": max(s[4] for s in served) / 2**20,
        "unleased_mib_max": max(s[3] for s in served) / 2**20, "waiting_max": max(s[5] for s in served),
        "resident_max": max(s[6] for s in served),
        "after_unload": {"gpu_used_mib": smi[-1][1] if smi else None, "unleased_bytes": after.get("unleased_bytes"),
                         "budget_bytes": after["budget_bytes"], "used_bytes": after["used_bytes"]},
        "gpu_used_mib_series": [mib for _, mib in smi],
    }


def save(path, results):
    with open(path, "w") as f:
        json.dump(results, f, indent=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("repository")
    parser.add_argument("results")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--models", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--more-models", type=int, default=0)
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--contention", action="store_true")
    parser.add_argument("--utilization", type=float, default=0.8)
    parser.add_argument("--gpu-used-before-mib", type=int, default=None,
                        help="nvidia-smi's figure before the server started (default: when this client starts)")
    args = parser.parse_args()
    client = Client(args.url)
    results = {}
    results["gpu_used_mib_at_start"] = gpu_used_mib()
    wait_for_warm_up()
    results["gpu_used_mib_before_load"] = gpu_used_mib()
    device, _ = cuda_models(client)
    results["gpu_budget_bytes"] = device["budget_bytes"]
    results["gpu_capacity_bytes"] = device["capacity_bytes"]
    if args.contention:
        before = args.gpu_used_before_mib
        results["contention"] = contention(args, client, results["gpu_used_mib_at_start"] if before is None else before)
        save(args.results, results)
        print(json.dumps({k: v for k, v in results["contention"].items() if k != "gpu_used_mib_series"}, indent=1))
        return

    # Cold starts: three different models, each a first request to an unloaded model; then the same three again, once
    # CUDA has loaded the kernels they use (it keeps those in device memory for the life of the process).
    for cycle in (1, 2):
        colds = []
        for name in ("s2s_000", "s2s_001", "s2s_002"):
            with open("%s/%s/1/model.pt" % (args.repository, name), "rb") as f:
                f.read()  # page cache
            start = time.perf_counter()
            must(*client.call("POST", "/v2/models/%s/infer" % name, s2s_request()))
            colds.append(time.perf_counter() - start)
        suffix = "" if cycle == 1 else "_again"
        results["s2s_cold_start_s" + suffix] = colds
        results["gpu_used_mib_3_loaded" + suffix] = gpu_used_mib()
        _, resident = cuda_models(client)
        results["s2s_lease_bytes" + suffix] = [m["bytes"] for m in resident if m["name"].startswith("s2s_")]
        for name in ("s2s_000", "s2s_001", "s2s_002"):
            must(*client.call("POST", "/v2/repository/models/%s/unload" % name, {}))
        time.sleep(1)
        results["gpu_used_mib_after_unload" + suffix] = gpu_used_mib()
    if args.memory_only:
        save(args.results, results)
        print(json.dumps(results, indent=1))
        return

    start = time.perf_counter()
    must(*client.call("POST", "/v2/models/bert_base/infer", bert_request(30)))
    results["bert_cold_start_s"] = time.perf_counter() - start
    for _ in range(3):
        for count in (30, 250, 550):
            must(*client.call("POST", "/v2/models/bert_base/infer", bert_request(count)))
    for count in (30, 250, 550):
        body = bert_request(count)
        times = []
        before = stats_totals(client, "bert_base")
        for _ in range(50):
            start = time.perf_counter()
            must(*client.call("POST", "/v2/models/bert_base/infer", body))
            times.append(time.perf_counter() - start)
        after = stats_totals(client, "bert_base")
        results["bert_latency_s_%d" % count] = statistics.median(times)
        # The server's own mean per request over the same 50: time in the engine, and everything it measured.
        for key in ("compute_infer", "success"):
            results["bert_server_%s_s_%d" % (key, count)] = ((after[key][0] - before[key][0])
                                                            / (after[key][1] - before[key][1]) / 1e9)

    def concurrent():
        own = Client(args.url)
        body = bert_request(250, seed=threading.get_ident() % 1000)
        return lambda: must(*own.call("POST", "/v2/models/bert_base/infer", body))

    results["bert_5_concurrent_250_s"] = median_concurrent_latency(concurrent, threads=5, repeat=20)
    # Where the time goes: the server's own statistics (queue, compute) and a request that does no work.
    results["bert_batch_stats"] = must(*client.call("GET", "/v2/models/bert_base/stats"))["model_stats"][0][
        "batch_stats"]
    times = []
    for _ in range(200):
        start = time.perf_counter()
        client.call("GET", "/v2/health/ready")
        times.append(time.perf_counter() - start)
    results["http_floor_s"] = statistics.median(times)
    must(*client.call("POST", "/v2/repository/models/bert_base/unload", {}))

    save(args.results, results)
    results["churn"] = churn(args, client, args.models)
    save(args.results, results)
    if args.more_models > args.models:
        # More models than fit: the same churn with evictions at the 80 % target.
        results["churn_more_models"] = churn(args, client, args.more_models)
    with open(args.results, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
