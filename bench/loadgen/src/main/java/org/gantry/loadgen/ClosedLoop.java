package org.gantry.loadgen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop clients, as LoadGenerator drives them: each sends its next request when its last answer arrived,
 * for a fixed time, and every latency is kept.
 */
final class ClosedLoop {

    /** One request; true when it was answered successfully. */
    @FunctionalInterface
    interface Call {
        boolean send() throws Exception;
    }

    /** What a run measured: latencies in microseconds, sorted. */
    record Measurement(long requests, long errors, double seconds, double[] latencyMicros) {

        double perSecond() {
            return requests / seconds;
        }

        double percentile(double p) {
            int index = (int) Math.min(latencyMicros.length - 1, Math.ceil(p / 100 * latencyMicros.length) - 1);
            return latencyMicros[Math.max(0, index)];
        }

        /** This run and another as one (rounds of the same scenario). */
        Measurement plus(Measurement other) {
            double[] both = Arrays.copyOf(latencyMicros, latencyMicros.length + other.latencyMicros.length);
            System.arraycopy(other.latencyMicros, 0, both, latencyMicros.length, other.latencyMicros.length);
            Arrays.sort(both);
            return new Measurement(requests + other.requests, errors + other.errors, seconds + other.seconds, both);
        }
    }

    private ClosedLoop() {
    }

    /** A client whose call fails stops there; its failure counts as an error. */
    static Measurement run(int concurrency, int seconds, Call call) throws InterruptedException {
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        AtomicLong errors = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (int c = 0; c < concurrency; c++) {
            int client = c;
            latencies[c] = new long[1 << 16];
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    while (System.nanoTime() < end) {
                        long sent = System.nanoTime();
                        boolean ok = call.send();
                        long took = System.nanoTime() - sent;
                        if (!ok) {
                            errors.incrementAndGet();
                        }
                        if (counts[client] == latencies[client].length) {
                            latencies[client] = Arrays.copyOf(latencies[client], counts[client] * 2);
                        }
                        latencies[client][counts[client]++] = took;
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
            }, "client-" + c);
            clients.add(thread);
            thread.start();
        }
        long began = System.nanoTime();
        start.countDown();
        for (Thread client : clients) {
            client.join();
        }
        double elapsed = (System.nanoTime() - began) / 1e9;
        int total = Arrays.stream(counts).sum();
        double[] micros = new double[total];
        int k = 0;
        for (int c = 0; c < concurrency; c++) {
            for (int i = 0; i < counts[c]; i++) {
                micros[k++] = latencies[c][i] / 1000.0;
            }
        }
        Arrays.sort(micros);
        return new Measurement(total, errors.get(), elapsed, micros);
    }
}
