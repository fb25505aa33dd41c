package org.gantry.loadgen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Drives one model of a running Gantry over loopback with closed-loop clients (each sends its next request when
 * the last answer arrived) and reports, per payload format and concurrency: requests per second, client latency
 * percentiles, and the server's overhead: the median client latency minus the mean time the server's statistics
 * record for the request (queue, compute input, compute infer, compute output), as Triton's perf_analyzer does.
 *
 * <pre>
 * java org.gantry.loadgen.LoadGenerator --url http://127.0.0.1:8080 --model simple_linear[,other...] \
 *     [--seconds 10] [--warmup-seconds 3] [--concurrency 1,16] [--formats json,binary] [--token T]
 *     [--json-out results.json] [--probe false] [--elements N]
 * </pre>
 *
 * {@code --elements N} gives a variable dimension (-1) N elements instead of 1: a large tensor through a model such
 * as {@code versioned_scale}. {@code --probe false} leaves out the health probe that otherwise opens the run.
 * <pre>
 * </pre>
 */
public final class LoadGenerator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String model;
    private final String token;
    private final CloseableHttpClient http;

    private final long elements;

    private LoadGenerator(String url, String model, String token, int maxConnections, long elements) {
        this.url = url;
        this.model = model;
        this.token = token;
        this.elements = elements;
        this.http = httpClient(maxConnections);
    }

    /** An HTTP client for closed-loop clients of one server: up to {@code maxConnections}, no retries, no cookies. */
    static CloseableHttpClient httpClient(int maxConnections) {
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(maxConnections).setMaxConnPerRoute(maxConnections).build())
                .disableAutomaticRetries()
                .disableCookieManagement()
                .build();
    }

    /** One payload format: the body and its headers; a null body means the health probe (GET). */
    private record Payload(String name, byte[] body, Map<String, String> headers) {

        ClassicHttpRequest request(String url, String model) {
            if (body == null) {
                return new HttpGet(url + "/v2/health/live");
            }
            HttpPost post = new HttpPost(url + "/v2/models/" + model + "/infer");
            headers.forEach(post::setHeader);
            post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM));
            return post;
        }
    }

    /** One scenario's results: the clients' measurement and the server's own time per request. */
    record Result(String model, String format, int concurrency, ClosedLoop.Measurement measured,
            double serverMicros, double computeInferMicros) {

        Result of(String modelName) {
            return new Result(modelName, format, concurrency, measured, serverMicros, computeInferMicros);
        }

        double percentile(double p) {
            return measured.percentile(p);
        }

        double overheadMicros() {
            return percentile(50) - serverMicros;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        String url = options.getOrDefault("url", "http://127.0.0.1:8080");
        List<String> models = List.of(options.getOrDefault("model", "simple_linear").split(","));
        List<String> formats = List.of(options.getOrDefault("formats", "json,binary").split(","));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "3"));
        int[] concurrencies = Arrays.stream(options.getOrDefault("concurrency", "1,16").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int maxClients = Arrays.stream(concurrencies).max().orElse(1);
        long elements = Long.parseLong(options.getOrDefault("elements", "1"));
        List<Result> results = new ArrayList<>();
        for (String model : models) {
            LoadGenerator generator = new LoadGenerator(url, model, options.get("token"), maxClients, elements);
            String label = elements == 1 ? model : model + " [" + elements + "]";
            if (model.equals(models.get(0)) && !"false".equals(options.get("probe"))) {
                // Baseline of the same run: a trivial GET through the same HTTP stack, client included, no model.
                Payload probe = new Payload("GET /v2/health/live", null, Map.of());
                generator.run(probe, 1, warmup);
                results.add(generator.run(probe, 1, seconds).of(""));
            }
            for (Payload payload : generator.payloads()) {
                if (!formats.contains(payload.name())) {
                    continue;
                }
                generator.run(payload, 1, warmup); // loads the model and warms the JIT on both sides
                for (int concurrency : concurrencies) {
                    results.add(generator.run(payload, concurrency, seconds).of(label));
                }
            }
            generator.http.close();
        }
        System.out.println(table(url, results));
        if (options.containsKey("json-out")) {
            Files.writeString(Path.of(options.get("json-out")), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(results.stream().map(LoadGenerator::json).toList()));
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, not: " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    /** A JSON request and a binary one (binary inputs, binary outputs) built from the model's metadata. */
    private List<Payload> payloads() throws IOException {
        JsonNode metadata = JSON.readTree(call(new HttpGet(url + "/v2/models/" + model)));
        ObjectNode json = JSON.createObjectNode();
        ArrayNode jsonInputs = json.putArray("inputs");
        ObjectNode header = JSON.createObjectNode();
        ArrayNode binaryInputs = header.putArray("inputs");
        header.putObject("parameters").put("binary_data_output", true);
        long bytes = 0;
        for (JsonNode input : metadata.get("inputs")) {
            long count = 8;
            for (JsonNode dim : input.get("shape")) {
                count *= dim.asLong() < 0 ? elements : dim.asLong();
            }
            bytes += count;
        }
        ByteBuffer binaryData = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode input : metadata.get("inputs")) {
            String datatype = input.get("datatype").asText();
            ArrayNode shape = JSON.createArrayNode();
            long count = 1;
            boolean variable = false;
            for (JsonNode dim : input.get("shape")) {
                // the first variable dimension gets --elements, any other (a batch, say) 1
                long size = dim.asLong() >= 0 ? dim.asLong() : variable ? 1 : elements;
                variable |= dim.asLong() < 0;
                shape.add(size);
                count *= size;
            }
            ObjectNode jsonInput = jsonInputs.addObject().put("name", input.get("name").asText())
                    .put("datatype", datatype);
            jsonInput.set("shape", shape);
            ArrayNode data = jsonInput.putArray("data");
            int start = binaryData.position();
            for (long i = 0; i < count; i++) {
                switch (datatype) {
                    case "FP32" -> {
                        data.add(0.5f + i);
                        binaryData.putFloat(0.5f + i);
                    }
                    case "INT64" -> {
                        data.add(1 + i);
                        binaryData.putLong(1 + i);
                    }
                    case "INT32" -> {
                        data.add((int) (1 + i));
                        binaryData.putInt((int) (1 + i));
                    }
                    default -> throw new IllegalArgumentException("no generator for datatype " + datatype);
                }
            }
            ObjectNode binaryInput = binaryInputs.addObject().put("name", input.get("name").asText())
                    .put("datatype", datatype);
            binaryInput.set("shape", shape);
            binaryInput.putObject("parameters").put("binary_data_size", binaryData.position() - start);
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        byte[] binaryBody = new byte[headerBytes.length + binaryData.position()];
        System.arraycopy(headerBytes, 0, binaryBody, 0, headerBytes.length);
        binaryData.flip().get(binaryBody, headerBytes.length, binaryBody.length - headerBytes.length);
        return List.of(new Payload("json", JSON.writeValueAsBytes(json), Map.of("Content-Type", "application/json")),
                new Payload("binary", binaryBody, Map.of("Content-Type", "application/octet-stream",
                        "Inference-Header-Content-Length", Integer.toString(headerBytes.length))));
    }

    private Result run(Payload payload, int concurrency, int seconds) throws Exception {
        JsonNode before = statistics();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        ClosedLoop.Measurement measured = ClosedLoop.run(concurrency, seconds, () -> {
            ClassicHttpRequest request = payload.request(url, model);
            if (token != null) {
                request.setHeader("Authorization", "Bearer " + token);
            }
            return http.execute(request, response -> {
                if (response.getCode() == 200) {
                    EntityUtils.consume(response.getEntity());
                    return true;
                }
                // Every request of a scenario may fail alike (a model its engine cannot serve): say how, once.
                firstFailure.compareAndSet(null, response.getCode() + " "
                        + EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8));
                return false;
            });
        });
        if (firstFailure.get() != null) {
            System.err.printf(Locale.ROOT, "%s %s at %d clients: %d of %d requests failed; the first: %s%n", model,
                    payload.name(), concurrency, measured.errors(), measured.requests(), firstFailure.get());
        }
        JsonNode after = statistics();
        double served = delta(before, after, "success", "count");
        double serverNanos = served == 0 ? 0 : (delta(before, after, "queue", "ns") + delta(before, after,
                "compute_input", "ns") + delta(before, after, "compute_infer", "ns")
                + delta(before, after, "compute_output", "ns")) / served;
        double inferNanos = served == 0 ? 0 : delta(before, after, "compute_infer", "ns") / served;
        return new Result(model, payload.name(), concurrency, measured, serverNanos / 1000, inferNanos / 1000);
    }

    /** Every version's statistics: a request may go to any of them. */
    private JsonNode statistics() throws IOException {
        return JSON.readTree(call(new HttpGet(url + "/v2/models/" + model + "/stats"))).get("model_stats");
    }

    private static double delta(JsonNode before, JsonNode after, String stat, String field) {
        return sum(after, stat, field) - sum(before, stat, field);
    }

    private static double sum(JsonNode versions, String stat, String field) {
        double sum = 0;
        for (JsonNode version : versions) {
            sum += version.get("inference_stats").get(stat).get(field).asDouble();
        }
        return sum;
    }

    private byte[] call(ClassicHttpRequest request) throws IOException {
        if (token != null) {
            request.setHeader("Authorization", "Bearer " + token);
        }
        return http.execute(request, response -> {
            byte[] body = EntityUtils.toByteArray(response.getEntity());
            if (response.getCode() != 200) {
                throw new IOException(request.getRequestUri() + " answered " + response.getCode() + ": "
                        + new String(body, StandardCharsets.UTF_8));
            }
            return body;
        });
    }

    private static String table(String url, List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s, closed-loop clients over loopback%n%n", url));
        out.append(
                "| model | payload | clients | requests/s | p50 µs | p90 µs | p99 µs | server µs (mean)"
                        + " | infer µs (mean)"
                        + " | overhead µs (p50 − server) | errors |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT,
                    "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %d |%n",
                    r.model(), r.format(), r.concurrency(), r.measured().perSecond(), r.percentile(50),
                    r.percentile(90),
                    r.percentile(99), r.serverMicros(), r.computeInferMicros(), r.overheadMicros(),
                    r.measured().errors()));
        }
        return out.toString();
    }

    private static Map<String, Object> json(Result r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", r.model());
        json.put("payload", r.format());
        json.put("clients", r.concurrency());
        json.put("requests", r.measured().requests());
        json.put("errors", r.measured().errors());
        json.put("requests_per_second", r.measured().perSecond());
        json.put("p50_us", r.percentile(50));
        json.put("p90_us", r.percentile(90));
        json.put("p99_us", r.percentile(99));
        json.put("server_mean_us", r.serverMicros());
        json.put("infer_mean_us", r.computeInferMicros());
        json.put("overhead_p50_us", r.overheadMicros());
        return json;
    }
}
