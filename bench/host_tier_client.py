#!/usr/bin/env python3
"""The host tier on the GPU benchmark's models (bench/make_models.py), against one running Gantry; run by
bench/run-gpu-host-tier.sh once with the tier off and once with it on, on the same machine in the same run.

  churn     every s2s model requested once (unmeasured: the steady state, GPU and tier full), then REQUESTS requests
            uniformly at random over the MODELS s2s models from CLIENTS clients. Per request its latency; each is
            classed by the load it waited for, read from the server log's "Loaded model ... from the host tier / from
            its files" lines (a load of the model that ended while the request was open): none (resident), a reload
            from the host tier, a reload from disk, a first load. p50/p99 over all and per class, failures, and
            every 0.5 s the host tier's use against its budget, the host's leases, the server's resident memory.
  single    (--single N, tier on, after the churn) N reloads of a 296 MB s2s model with room on the GPU (one resident
            model unloaded first, so nothing is evicted on the way): from the host tier, then, unloaded, from disk.
            Server-side time from /v2/memory's host_tier counters and the log; the answers of both must be equal.
  exactness bert_base's mean-pooled embedding (768 floats) asked before the churn and after it, when it comes back
            from the host tier (or from disk if the tier dropped it): the two answers must be equal, bit for bit.

Usage: python3 bench/host_tier_client.py URL KARAF_LOG SERVER_PID RESULTS_JSON [--models 700] [--requests 2000]
           [--clients 8] [--single 20]
"""
import argparse
import collections
import datetime
import json
import random
import re
import statistics
import threading
import time

from client import Client, bert_request, must, s2s_request, wait_for_warm_up

LOADED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}) .*Loaded model '([^']+)' version \d+ on backend '[^']*'"
                    r" in (\d+) ms from (the host tier|its files)")


def loads(log_path):
    """Every load in the log: (end time as epoch seconds, model, server ms, 'host tier' | 'disk')."""
    found = []
    with open(log_path, errors="replace") as log:
        for line in log:
            match = LOADED.search(line)
            if match:
                ended = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S,%f").timestamp()
                found.append((ended, match.group(2), int(match.group(3)),
                              "host tier" if match.group(4) == "the host tier" else "disk"))
    return found


def percentiles(values):
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    return {"count": len(ordered), "p50_ms": 1e3 * statistics.median(ordered),
            "p99_ms": 1e3 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], "max_ms": 1e3 * ordered[-1]}


def memory(client):
    return must(*client.call("GET", "/v2/memory"))


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1


def run_all(url, names, clients, record=None):
    """Requests names[i] from `clients` threads in order of i; record(i, name, start, end, status) for each."""
    cursor = iter(range(len(names)))
    lock = threading.Lock()
    statuses = collections.Counter()

    def work():
        own = Client(url)
        for i in cursor:
            start = time.time()
            status, _ = own.call("POST", "/v2/models/%s/infer" % names[i], s2s_request(i))
            end = time.time()
            with lock:
                statuses[status] += 1
                if record:
                    record(i, names[i], start, end, status)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(statuses)


def churn(args, client):
    names = ["s2s_%03d" % i for i in range(args.models)]
    results = {"models": args.models, "requests": args.requests, "clients": args.clients}
    start = time.time()
    results["warm_up_statuses"] = run_all(args.url, names, args.clients)
    results["warm_up_s"] = time.time() - start
    rng = random.Random(args.models)
    order = [names[rng.randrange(args.models)] for _ in range(args.requests)]
    requests = []
    samples = []
    done = threading.Event()

    def sample():
        own = Client(args.url)
        while not done.is_set():
            report = memory(own)
            tier = report.get("host_tier", {})
            host = next(d for d in report["devices"] if d["kind"] == "cpu")
            samples.append({"tier_used": tier.get("used_bytes", 0), "tier_budget": tier.get("budget_bytes", 0),
                            "tier_models": tier.get("models", 0), "host_used": host["used_bytes"] + host["freeing_bytes"],
                            "host_budget": host["budget_bytes"], "server_rss": rss_bytes(args.pid)})
            time.sleep(0.5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.time()
    statuses = run_all(args.url, order, args.clients,
                       lambda i, name, s, e, status: requests.append((name, s, e, status)))
    results["seconds"] = time.time() - started
    done.set()
    sampler.join()
    results["statuses"] = statuses
    results["failed"] = sum(count for status, count in statuses.items() if status != 200)

    # Which load each request waited for: one of its model that ended while it was open (2 ms of log rounding).
    time.sleep(1)  # the log's last lines written
    by_model = collections.defaultdict(list)
    first_seen = {}
    for ended, model, ms, source in loads(args.log):
        first = model not in first_seen
        first_seen.setdefault(model, ended)
        by_model[model].append((ended, ms, "first load" if first and source == "disk" else source))
    classes = collections.defaultdict(list)
    server_ms = collections.defaultdict(list)
    for name, s, e, status in requests:
        waited = [load for load in by_model[name] if s - 0.002 <= load[0] <= e + 0.002]
        kind = waited[-1][2] if waited else "resident"
        classes[kind].append(e - s)
        if waited:
            server_ms[kind].append(waited[-1][1])
    results["all"] = percentiles([e - s for _, s, e, _ in requests])
    results["by_class"] = {kind: percentiles(times) for kind, times in classes.items()}
    results["load_ms_by_class"] = {kind: {"count": len(ms), "p50": statistics.median(ms)} for kind, ms in
                                   server_ms.items() if ms}
    results["samples"] = len(samples)
    results["tier_over_budget_samples"] = sum(1 for s in samples if s["tier_used"] > s["tier_budget"])
    results["host_over_budget_samples"] = sum(1 for s in samples if s["host_used"] > s["host_budget"])
    results["tier_used_max"] = max((s["tier_used"] for s in samples), default=0)
    results["tier_budget"] = samples[-1]["tier_budget"] if samples else 0
    results["tier_models_max"] = max((s["tier_models"] for s in samples), default=0)
    results["server_rss_max"] = max((s["server_rss"] for s in samples), default=-1)
    results["host_tier_after"] = memory(client).get("host_tier")
    return results


def single_reloads(args, client):
    """Reloads of one s2s model at a time with room on the GPU: from the host tier, then from disk."""
    results = {"tier_client_ms": [], "tier_server_ms": [], "disk_client_ms": [], "disk_server_ms": [],
               "answers_equal": 0, "lease_bytes": None}
    for i in range(args.single):
        report = memory(client)
        host = next(d for d in report["devices"] if d["kind"] == "cpu")
        gpu = next(d for d in report["devices"] if d["kind"] == "gpu")
        parked = [m for m in host["models"] if m["state"] == "HOST_TIER" and m["name"].startswith("s2s_")]
        resident = [m for m in gpu["models"] if m["state"] == "RESIDENT" and m["name"].startswith("s2s_")]
        if not parked or not resident:
            results["stopped"] = "nothing left in the host tier" if not parked else "nothing resident"
            break
        target = parked[-1]["name"]
        results["lease_bytes"] = parked[-1]["bytes"]
        must(*client.call("POST", "/v2/repository/models/%s/unload" % resident[0]["name"], {}))  # room for one
        before = memory(client)["host_tier"]
        start = time.perf_counter()
        first = must(*client.call("POST", "/v2/models/%s/infer" % target, s2s_request(i)))
        results["tier_client_ms"].append(1e3 * (time.perf_counter() - start))
        after = memory(client)["host_tier"]
        if after["hits"] != before["hits"] + 1:
            results.setdefault("not_from_tier", []).append(target)
            continue
        results["tier_server_ms"].append(after["hit_reload_ms"] - before["hit_reload_ms"])
        must(*client.call("POST", "/v2/repository/models/%s/unload" % target, {}))  # to disk, room for one
        mark = time.time()
        start = time.perf_counter()
        second = must(*client.call("POST", "/v2/models/%s/infer" % target, s2s_request(i)))
        results["disk_client_ms"].append(1e3 * (time.perf_counter() - start))
        time.sleep(0.5)  # the log line written
        disk = [ms for ended, model, ms, source in loads(args.log) if model == target and ended >= mark - 0.002]
        if disk:
            results["disk_server_ms"].append(disk[-1])
        results["answers_equal"] += int(first["outputs"] == second["outputs"])
    for key in ("tier_client_ms", "tier_server_ms", "disk_client_ms", "disk_server_ms"):
        values = results[key]
        if values:
            ordered = sorted(values)
            results[key.replace("_ms", "_p50_ms")] = statistics.median(ordered)
            results[key.replace("_ms", "_p99_ms")] = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    if results["lease_bytes"] and results.get("tier_server_p50_ms"):
        results["tier_bytes_per_s"] = results["lease_bytes"] / (results["tier_server_p50_ms"] / 1e3)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("log")
    parser.add_argument("pid", type=int)
    parser.add_argument("results")
    parser.add_argument("--models", type=int, default=700)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--single", type=int, default=0)
    args = parser.parse_args()
    client = Client(args.url)
    wait_for_warm_up()
    results = {"host_tier_at_start": memory(client).get("host_tier")}
    bert_before = must(*client.call("POST", "/v2/models/bert_base/infer", bert_request(250)))["outputs"]
    results["churn"] = churn(args, client)
    hits = memory(client)["host_tier"]["hits"]
    bert_after = must(*client.call("POST", "/v2/models/bert_base/infer", bert_request(250)))["outputs"]
    results["bert_round_trip"] = {"from": "host tier" if memory(client)["host_tier"]["hits"] > hits else "disk",
                                  "equal_bit_for_bit": bert_before == bert_after}
    if args.single:
        results["single"] = single_reloads(args, client)
    with open(args.results, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps({k: v for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
