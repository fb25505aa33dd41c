#!/usr/bin/env python3
"""The request-path benchmark's table (bench/request-path.sh): one row per request and client count, the
variants side by side (requests/s, p50, server time, overhead = p50 - server time), then binary against JSON.
Usage: bench/request-path-table.py RUNS_DIR RESULTS_JSON VARIANT...
RUNS_DIR holds VARIANT-{trivial,64k,4m}.json from the load generator; RESULTS_JSON gets them merged."""
import json
import pathlib
import sys

runs = pathlib.Path(sys.argv[1])
variants = sys.argv[3:]
merged = {}
rows = {}  # (request, clients) -> variant -> result
for variant in variants:
    for part in ("trivial", "64k", "4m"):
        path = runs / f"{variant}-{part}.json"
        if not path.exists():
            continue
        merged.setdefault(variant, {})[part] = json.loads(path.read_text())
        for result in merged[variant][part]:
            request = result["payload"] if not result["model"] else f'{result["model"]} {result["payload"]}'
            rows.setdefault((request, result["clients"]), {})[variant] = result

pathlib.Path(sys.argv[2]).write_text(json.dumps(merged, indent=1))
head = "| request | clients |" + "".join(f" {v} req/s | {v} p50 µs | {v} server µs | {v} overhead µs |"
                                        for v in variants)
print(head)
print("|" + "---|" * (2 + 4 * len(variants)))
for (request, clients), by_variant in rows.items():
    cells = ""
    for v in variants:
        r = by_variant.get(v)
        cells += (f' {r["requests_per_second"]:,.0f} | {r["p50_us"]:,.0f} | {r["server_mean_us"]:,.0f} |'
                  f' {r["overhead_p50_us"]:,.0f} |' if r else " – | – | – | – |")
        if r and r["errors"]:
            cells = cells[:-1] + f' ({r["errors"]} errors) |'
    print(f"| {request} | {clients} |{cells}")

print()
print("| variant | model | clients | binary p50 / JSON p50 | binary req/s / JSON req/s |")
print("|---|---|---|---|---|")
for v in variants:
    for (request, clients), by_variant in rows.items():
        if not request.endswith(" json") or v not in by_variant:
            continue
        binary = rows.get((request[:-5] + " binary", clients), {}).get(v)
        json_result = by_variant[v]
        if binary:
            print(f"| {v} | {request[:-5]} | {clients} | {binary['p50_us'] / json_result['p50_us']:.2f} |"
                  f" {binary['requests_per_second'] / json_result['requests_per_second']:.2f} |")
