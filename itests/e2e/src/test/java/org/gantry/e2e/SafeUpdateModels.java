package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;

import org.gantry.e2e.KarafServer.Reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The safe-updates tests' models: the two TorchScript versions {@code scripts/fixtures/make-safe-update-models.py}
 * writes (version 1: y = 2x; version 2: y = 2x + 1 where x >= 0.75), copied into a repository under each test's own
 * names with the configuration parameters the test needs, and the requests the tests send them.
 */
final class SafeUpdateModels {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of("src/test/resources/safe-updates");

    private SafeUpdateModels() {
    }

    /** Writes a model with both versions (or only {@code versions}) and these configuration parameters. */
    static void write(Path repository, String name, Map<String, String> parameters, int... versions)
            throws IOException {
        Path model = Files.createDirectories(repository.resolve(name));
        StringJoiner listed = new StringJoiner(", ");
        for (int version : versions) {
            Files.createDirectories(model.resolve(Integer.toString(version)));
            Files.copy(FIXTURES.resolve(version + "/model.pt"), model.resolve(version + "/model.pt"));
            listed.add(Integer.toString(version));
        }
        StringBuilder config = new StringBuilder("name: \"" + name + "\"\nplatform: \"pytorch_libtorch\"\n"
                + "max_batch_size: 0\n"
                + "input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [ -1 ] } ]\n"
                + "output [ { name: \"OUTPUT__0\" data_type: TYPE_FP32 dims: [ -1 ] } ]\n"
                + "version_policy: { specific: { versions: [ " + listed + " ] } }\n");
        parameters.forEach((key, value) -> config.append("parameters { key: \"").append(key)
                .append("\" value: { string_value: \"").append(value).append("\" } }\n"));
        Files.writeString(model.resolve("config.pbtxt"), config);
    }

    /** A KServe v2 JSON request for one FP32 vector, with an id and request parameters. */
    static byte[] request(String id, float[] x, Map<String, Object> parameters) {
        StringBuilder body = new StringBuilder("{");
        if (id != null) {
            body.append("\"id\": \"").append(id).append("\", ");
        }
        try {
            body.append("\"parameters\": ").append(JSON.writeValueAsString(parameters)).append(", ");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        body.append("\"inputs\": [{\"name\": \"INPUT__0\", \"shape\": [").append(x.length)
                .append("], \"datatype\": \"FP32\", \"data\": [");
        for (int i = 0; i < x.length; i++) {
            body.append(i == 0 ? "" : ",").append(x[i]);
        }
        return body.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The first output's data of a successful inference reply. */
    static float[] output(Reply reply) throws IOException {
        assertEquals(200, reply.status(), reply.body());
        JsonNode data = JSON.readTree(reply.body()).get("outputs").get(0).get("data");
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i).floatValue();
        }
        return values;
    }

    static String version(Reply reply) throws IOException {
        return JSON.readTree(reply.body()).get("model_version").asText();
    }

    /** Waits up to a minute for a model's traffic summary to satisfy {@code done}; returns the last one. */
    static JsonNode awaitTraffic(KarafServer server, String model, Map<String, String> headers,
            java.util.function.Predicate<JsonNode> done) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode summary = null;
        while (System.nanoTime() < deadline) {
            Reply reply = server.exchange("GET", "/v2/models/" + model + "/traffic", null, headers);
            if (reply.status() == 200) {
                summary = JSON.readTree(reply.body());
                if (done.test(summary)) {
                    return summary;
                }
            }
            Thread.sleep(100);
        }
        return summary;
    }

    /** The median of some durations. */
    static long median(java.util.List<Long> values) {
        java.util.List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
