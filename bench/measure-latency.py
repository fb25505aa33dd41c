#!/usr/bin/env python3
"""Cold start and warm latency of a running Gantry, as a client sees them over HTTP (keep-alive).

Start the server first (README's first command), then:  python3 bench/measure-latency.py [port]
It asks a model that is not loaded yet once (the cold start: load and first inference), then sends
2,000 requests to another and reports median and p99 of the last 1,500. Standard library only;
numbers from a shared machine are noisy: compare runs made back to back.
"""
import http.client
import json
import statistics
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
COLD_MODEL = "token_scorer"
COLD_REQUEST = {"inputs": [
    {"name": "token_ids", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]},
    {"name": "token_weights", "shape": [1, 2], "datatype": "FP32", "data": [1, 1]}]}
WARM_MODEL = "simple_linear"
WARM_REQUEST = {"inputs": [{"name": "INPUT__0", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}


def timed(connection, model, request):
    body = json.dumps(request)
    started = time.perf_counter()
    connection.request("POST", "/v2/models/%s/infer" % model, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        sys.exit("%s answered %d" % (model, response.status))
    return (time.perf_counter() - started) * 1000


def main():
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    connection.request("POST", "/v2/repository/models/%s/unload" % COLD_MODEL, "{}")
    connection.getresponse().read()
    print("cold start (%s: load + first inference): %.1f ms" % (COLD_MODEL, timed(connection, COLD_MODEL, COLD_REQUEST)))
    latencies = [timed(connection, WARM_MODEL, WARM_REQUEST) for _ in range(2000)][500:]
    latencies.sort()
    print("warm %s: median %.3f ms, p99 %.3f ms over %d requests" % (
        WARM_MODEL, statistics.median(latencies), latencies[int(len(latencies) * 0.99)], len(latencies)))


if __name__ == "__main__":
    main()
