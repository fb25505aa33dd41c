package org.gantry.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What canaries' neighbours pay: the request-path overhead of a shadow or of data capture, against the same model
 * with neither, in one run on one server. {@code bench/safe-updates.sh} writes copies of the batching benchmark's model
 * ({@code tiny_encoder_batched}) that differ only in their parameters; this harness drives each with closed-loop
 * clients, alternating the scenarios in rounds (each round starting one scenario further, each scenario after a
 * pause) so drift and leftovers hit them alike, and prints per scenario requests/s, client
 * latency percentiles, and the median's and throughput's ratio to the scenario without either.
 *
 * <pre>
 * java org.gantry.loadgen.SafeUpdatesBenchmark --url http://127.0.0.1:8080 --models off,capture,shadow10,shadow100 \
 *     [--concurrency 16] [--seconds 10] [--rounds 3] [--warmup-seconds 3] [--pause-seconds 2]
 * </pre>
 */
public final class SafeUpdatesBenchmark {

    private SafeUpdatesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = LoadGenerator.parse(args);
        String url = options.get("url");
        List<String> models = List.of(options.getOrDefault("models", "off,capture,shadow10,shadow100").split(","));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "16"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "3"));
        long pauseMillis = 1000L * Integer.parseInt(options.getOrDefault("pause-seconds", "2"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        byte[] body = binaryRequest();
        Map<String, ClosedLoop.Measurement> results = new LinkedHashMap<>();
        models.forEach(model -> results.put(model, null)); // the table keeps the order asked for
        for (String model : models) {
            ClosedLoop.run(concurrency, warmup, () -> send(http, url, model, body));
        }
        for (int round = 0; round < rounds; round++) {
            // Each round starts one scenario further, and each scenario after a pause: a shadow's queued copies
            // (up to shadowQueueSize) drain before the next scenario, so no scenario inherits another's work.
            for (int i = 0; i < models.size(); i++) {
                String model = models.get((round + i) % models.size());
                Thread.sleep(pauseMillis);
                ClosedLoop.Measurement measured = ClosedLoop.run(concurrency, seconds,
                        () -> send(http, url, model, body));
                results.merge(model, measured, ClosedLoop.Measurement::plus);
            }
        }
        System.out.println(table(results, models.get(0), concurrency, rounds, seconds));
        FIRST_FAILURES.forEach((model, failure) -> System.out.println(model + ": the first failure: " + failure));
        for (String model : models) {
            HttpResponse<String> traffic = http.send(HttpRequest.newBuilder(
                    URI.create(url + "/v2/models/" + model + "/traffic")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (traffic.statusCode() == 200) {
                System.out.println(model + ": " + traffic.body());
            }
        }
    }

    /** One row of 16 × 64 FP32 as a binary-extension request (binary outputs too), as LoadGenerator sends it. */
    private static byte[] binaryRequest() {
        int elements = 16 * 64;
        String header = "{\"inputs\":[{\"name\":\"INPUT__0\",\"datatype\":\"FP32\",\"shape\":[1,16,64],"
                + "\"parameters\":{\"binary_data_size\":" + elements * 4 + "}}],"
                + "\"parameters\":{\"binary_data_output\":true}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(headerBytes.length + elements * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.put(headerBytes);
        for (int i = 0; i < elements; i++) {
            body.putFloat((i % 61) / 61f);
        }
        return body.array();
    }

    /** The first failed answer of each scenario, printed at the end: a table of errors alone says nothing. */
    private static final Map<String, String> FIRST_FAILURES = new ConcurrentHashMap<>();

    private static boolean send(HttpClient http, String url, String model, byte[] body) throws Exception {
        int headerLength = body.length - 16 * 64 * 4;
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v2/models/" + model + "/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(headerLength))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            FIRST_FAILURES.putIfAbsent(model, response.statusCode() + " "
                    + new String(response.body(), StandardCharsets.UTF_8));
            return false;
        }
        return true;
    }

    private static String table(Map<String, ClosedLoop.Measurement> results, String baseline, int concurrency,
            int rounds, int seconds) {
        ClosedLoop.Measurement base = results.get(baseline);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%d clients, %d rounds of %d s per scenario, alternating", concurrency,
                rounds, seconds));
        lines.add("");
        lines.add("| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | p50 vs " + baseline
                + " | req/s vs " + baseline + " |");
        lines.add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        results.forEach((model, m) -> lines.add(String.format(Locale.ROOT,
                "| %s | %d | %d | %.0f | %.3f | %.3f | %.3f | %+.1f %% | %+.1f %% |", model, m.requests(), m.errors(),
                m.perSecond(), m.percentile(50) / 1000, m.percentile(90) / 1000, m.percentile(99) / 1000,
                100 * (m.percentile(50) / base.percentile(50) - 1), 100 * (m.perSecond() / base.perSecond() - 1))));
        return String.join("\n", lines);
    }
}
