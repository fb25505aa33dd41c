#!/usr/bin/env python3
"""The host tier benchmark's table (Markdown) from bench/run-gpu-host-tier.sh's results: a folder with
results-off.json, results-on.json and bandwidth.json, or the results.json files that device commands returned
(merged in order, so that the phases of two commands make one table).

Usage: python3 bench/host_tier_table.py RESULTS_DIR
       python3 bench/host_tier_table.py OUT_1/results.json OUT_2/results.json
"""
import json
import pathlib
import sys


def load(path):
    return json.loads(path.read_text()) if path.exists() else {}


def ms(value):
    return "—" if value is None else "%.1f ms" % value


def main():
    merged = {}
    for argument in map(pathlib.Path, sys.argv[1:]):
        if argument.is_dir():
            merged.update({p.stem: load(p) for p in argument.glob("*.json")})
        else:
            merged.update(load(argument))
    off, on, bandwidth = (merged.get(name, {}) for name in ("results-off", "results-on", "bandwidth"))
    rows = ["| measure | tier off | tier on | on / off |", "| --- | --- | --- | --- |"]

    def row(name, a, b, timed=True):
        numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
        ratio = "%.2f" % (b / a) if numbers and a and timed else ""

        def cell(value):
            if value is None:
                return "—"
            if isinstance(value, float):
                return ms(value) if timed else "%d" % value
            return value
        rows.append("| %s | %s | %s | %s |" % (name, cell(a), cell(b), ratio))

    churn_off, churn_on = off.get("churn", {}), on.get("churn", {})
    for key in ("p50_ms", "p99_ms"):
        row("all requests, " + key[:3], churn_off.get("all", {}).get(key), churn_on.get("all", {}).get(key))
    for kind in ("resident", "host tier", "disk", "first load"):
        a = churn_off.get("by_class", {}).get(kind, {})
        b = churn_on.get("by_class", {}).get(kind, {})
        for key in ("p50_ms", "p99_ms"):
            row("requests that waited for: %s (%s / %s), %s" % (kind, a.get("count", 0), b.get("count", 0), key[:3]),
                a.get(key), b.get(key))
    row("failed requests", churn_off.get("failed"), churn_on.get("failed"), timed=False)
    row("seconds for the churn", "%.1f s" % churn_off.get("seconds", 0), "%.1f s" % churn_on.get("seconds", 0))
    row("samples with the host tier over its budget (of %s / %s)" % (churn_off.get("samples"), churn_on.get("samples")),
        churn_off.get("tier_over_budget_samples"), churn_on.get("tier_over_budget_samples"), timed=False)
    row("samples with the host's leases over its budget", churn_off.get("host_over_budget_samples"),
        churn_on.get("host_over_budget_samples"), timed=False)
    row("host tier: budget / most used (bytes)", "%s / %s" % (churn_off.get("tier_budget"), churn_off.get("tier_used_max")),
        "%s / %s" % (churn_on.get("tier_budget"), churn_on.get("tier_used_max")), timed=False)
    row("server resident memory, most (bytes)", churn_off.get("server_rss_max"), churn_on.get("server_rss_max"),
        timed=False)
    row("bert_base after the churn equals before, bit for bit", json.dumps(off.get("bert_round_trip")),
        json.dumps(on.get("bert_round_trip")), timed=False)
    lines = rows + [""]
    single = on.get("single", {})
    if single:
        lines += ["| single reload of a %s-byte s2s model, room on the GPU | p50 | p99 |" % single.get("lease_bytes"),
                  "| --- | --- | --- |"]
        for key, name in (("tier_server", "from the host tier, server"), ("tier_client", "from the host tier, client"),
                          ("disk_server", "from disk, server"), ("disk_client", "from disk, client")):
            lines.append("| %s | %s | %s |" % (name, ms(single.get(key + "_p50_ms")), ms(single.get(key + "_p99_ms"))))
        lines.append("")
        lines.append("Answers from the host tier equal those of a fresh load from disk in %d of %d reloads."
                     % (single.get("answers_equal", 0), len(single.get("disk_client_ms", []))))
        if single.get("tier_bytes_per_s") and bandwidth:
            lines.append("Reload from the host tier: %.1f GB/s; torch's copy in the same run: pinned host to GPU "
                         "%.1f GB/s, GPU to pinned host %.1f GB/s, pageable host to GPU %.1f GB/s." % (
                             single["tier_bytes_per_s"] / 1e9, bandwidth["pinned_to_gpu_bytes_per_s"] / 1e9,
                             bandwidth["gpu_to_pinned_bytes_per_s"] / 1e9, bandwidth["pageable_to_gpu_bytes_per_s"] / 1e9))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
