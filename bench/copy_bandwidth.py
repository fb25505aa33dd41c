#!/usr/bin/env python3
"""Measures, with the local torch, how fast a model's bytes move between host memory and GPU 0: the yardstick for
the host tier's reloads (bench/host_tier_client.py), measured in the same run. One buffer of BYTES (default the
s2s model's 296,099,840 bytes on the device), 20 copies each way after 3 unmeasured ones: pinned host to GPU (what a
reload from the host tier does), GPU to pinned host (what parking does), and pageable host to GPU for comparison.
Prints and writes JSON: median seconds and bytes/s per direction.

Usage: python3 bench/copy_bandwidth.py OUT_JSON [--bytes 296099840]
"""
import argparse
import json
import statistics
import time

import torch


def timed(copy, repeats=20):
    for _ in range(3):
        copy()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        copy()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--bytes", type=int, default=296_099_840)
    args = parser.parse_args()
    pinned = torch.empty(args.bytes, dtype=torch.uint8, pin_memory=True)
    pageable = torch.empty(args.bytes, dtype=torch.uint8)
    device = torch.empty(args.bytes, dtype=torch.uint8, device="cuda:0")
    results = {"bytes": args.bytes, "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    for name, copy in (("pinned_to_gpu", lambda: device.copy_(pinned, non_blocking=True)),
                       ("gpu_to_pinned", lambda: pinned.copy_(device, non_blocking=True)),
                       ("pageable_to_gpu", lambda: device.copy_(pageable))):
        seconds = timed(copy)
        results[name + "_s"] = seconds
        results[name + "_bytes_per_s"] = args.bytes / seconds
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
