package org.gantry.loadgen;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A normal client's latency while many others trickle their request bodies a byte a second (a slow-body denial
 * of service), against the same client without them, alternating in rounds within one run so that the machine's
 * noise falls on both. Also samples the server's thread count (from /proc, given its pid).
 * <p>
 * Usage: {@code --url http://127.0.0.1:PORT [--slow 200] [--seconds 20] [--rounds 2] [--pid PID]}
 */
public final class SlowBodyBenchmark {

    private static final String REQUEST = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3]}]}";

    private SlowBodyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(option(args, "--url", "http://127.0.0.1:8080"));
        int slow = Integer.parseInt(option(args, "--slow", "200"));
        int seconds = Integer.parseInt(option(args, "--seconds", "20"));
        int rounds = Integer.parseInt(option(args, "--rounds", "2"));
        String pid = option(args, "--pid", null);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest infer = HttpRequest.newBuilder(url.resolve("/v2/models/simple_linear/infer"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(REQUEST)).build();
        measure(client, infer, 2, null); // warm-up: loads the model, warms the JIT
        List<Long> quiet = new ArrayList<>();
        List<Long> attacked = new ArrayList<>();
        int[] failures = new int[2];
        int maxThreads = 0;
        int closedByServer = 0;
        for (int round = 0; round < rounds; round++) {
            Result calm = measure(client, infer, seconds, pid);
            quiet.addAll(calm.latencies);
            failures[0] += calm.failures;
            try (Attack attack = new Attack(url, slow)) {
                Thread.sleep(2000); // let every slow connection send its headers
                Result under = measure(client, infer, seconds, pid);
                attacked.addAll(under.latencies);
                failures[1] += under.failures;
                maxThreads = Math.max(maxThreads, under.maxThreads);
                closedByServer += attack.closedByServer.get();
            }
        }
        System.out.printf(Locale.ROOT, "%-26s %8s %8s %10s %10s %10s %9s%n", "phase", "requests", "failed",
                "p50 ms", "p99 ms", "max ms", "threads");
        print("without slow bodies", quiet, failures[0], -1);
        print("with " + slow + " slow bodies", attacked, failures[1], maxThreads);
        System.out.printf(Locale.ROOT, "p99 ratio (with / without): %.2f; slow connections the server closed: %d%n",
                percentile(attacked, 0.99) / (double) Math.max(1, percentile(quiet, 0.99)), closedByServer);
    }

    private record Result(List<Long> latencies, int failures, int maxThreads) {
    }

    private static Result measure(HttpClient client, HttpRequest infer, int seconds, String pid)
            throws InterruptedException {
        List<Long> latencies = new ArrayList<>();
        int failures = 0;
        int maxThreads = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long nextSample = 0;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            try {
                HttpResponse<String> response = client.send(infer, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    latencies.add(System.nanoTime() - start);
                } else {
                    failures++;
                }
            } catch (IOException e) {
                failures++;
            }
            if (pid != null && System.nanoTime() > nextSample) {
                maxThreads = Math.max(maxThreads, threads(pid));
                nextSample = System.nanoTime() + 500_000_000L;
            }
            Thread.sleep(10); // a steady client, not a flood: ~100 requests a second at most
        }
        return new Result(latencies, failures, maxThreads);
    }

    /** Connections that send complete headers, then their body at one byte a second, reconnecting when closed. */
    private static final class Attack implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger closedByServer = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();

        Attack(URI url, int connections) {
            byte[] head = ("POST /v2/models/simple_linear/infer HTTP/1.1\r\nHost: " + url.getHost()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < connections; i++) {
                Thread thread = new Thread(() -> trickle(url, head), "slow-body-" + i);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
        }

        private void trickle(URI url, byte[] head) {
            while (running.get()) {
                try (Socket socket = new Socket(url.getHost(), url.getPort())) {
                    OutputStream out = socket.getOutputStream();
                    out.write(head);
                    while (running.get()) {
                        out.write('[');
                        out.flush();
                        Thread.sleep(1000);
                    }
                } catch (IOException e) {
                    closedByServer.incrementAndGet(); // the server gave up on this one: start another
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            running.set(false);
            for (Thread thread : threads) {
                thread.interrupt();
                try {
                    thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // stop waiting; the threads are daemons and end on their own
                    return;
                }
            }
        }
    }

    private static int threads(String pid) {
        try (var tasks = Files.list(Path.of("/proc", pid, "task"))) {
            return (int) tasks.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void print(String phase, List<Long> latencies, int failures, int threads) {
        System.out.printf(Locale.ROOT, "%-26s %8d %8d %10.2f %10.2f %10.2f %9s%n", phase, latencies.size(), failures,
                percentile(latencies, 0.5) / 1e6, percentile(latencies, 0.99) / 1e6, percentile(latencies, 1.0) / 1e6,
                threads < 0 ? "" : Integer.toString(threads));
    }

    private static long percentile(List<Long> values, double quantile) {
        if (values.isEmpty()) {
            return 0;
        }
        long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)];
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
