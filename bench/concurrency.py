"""Threads at once, for the GPU benchmark's two sides (bench/client.py against Gantry, bench/make_models.py in
torch): both time the same concurrent load the same way, so their medians compare."""
import statistics
import threading
import time


def run_together(target, count):
    """Runs target on count threads at once and waits for all of them."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def median_concurrent_latency(prepare, threads=5, repeat=20):
    """Median seconds per call when `threads` threads each make `repeat` calls at once; each thread first calls
    prepare() once for the call it makes (its own request)."""
    latencies = []
    lock = threading.Lock()

    def caller():
        call = prepare()
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            with lock:
                latencies.append(time.perf_counter() - start)

    run_together(caller, threads)
    return statistics.median(latencies)
