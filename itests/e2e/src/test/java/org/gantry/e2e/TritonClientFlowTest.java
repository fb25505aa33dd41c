package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.gantry.e2e.KarafServer.Reply;
import org.gantry.test.support.Traffic;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The HTTP exchanges that Triton's Python client (tritonclient.http), Triton's client examples and SageMaker's
 * multi-model endpoints make, against the real distribution: readiness before the first request, reloads under
 * traffic, generation with the parameters generate clients send, raw binary requests, an ensemble in a SageMaker
 * model folder, and an empty request id.
 */
class TritonClientFlowTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = E2eFiles.EXAMPLES;
    private static final String SIMPLE_REQUEST = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],"
            + "\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
    /** simple_linear's configuration with another max_batch_size: a reload that must succeed. */
    private static final String GOOD_CONFIG = "{\"name\":\"simple_linear\",\"platform\":\"pytorch_libtorch\","
            + "\"max_batch_size\":4,\"input\":[{\"name\":\"INPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[3]}],"
            + "\"output\":[{\"name\":\"OUTPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[2]}]}";
    /** tiny_seq2seq's greedy ids for its first reference text (examples/models/tiny_seq2seq/expected.json). */
    private static final long[] GREEDY = { 42, 65, 63, 117, 53, 140, 203, 211, 186, 252, 32, 49, 242, 241, 169, 136,
            154, 247, 105, 227 };
    private static final String TEXT = "the cat walked on the red road";

    /**
     * Management calls (load, unload, SageMaker's POST and DELETE /models) carry this token: without one they are
     * accepted from loopback only, and that check does not yet recognise every loopback request.
     */
    private static final String ADMIN = "e2e-admin-token";
    private static final Map<String, String> AS_ADMIN = E2eRequests.bearerJson(ADMIN);

    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        server = KarafServer.in("triton-client").exampleModels("simple_linear", "tiny_seq2seq").adminToken(ADMIN)
                .start();
    }

    private static Reply post(String path, String json) {
        return server.call("POST", path, json);
    }

    private static Reply manage(String method, String path, String json) {
        return server.exchange(method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8), AS_ADMIN);
    }

    @Test
    void aClientThatChecksReadinessBeforeItsFirstRequestIsServed() throws Exception {
        assertEquals(200, manage("POST", "/v2/repository/models/tiny_seq2seq/unload", "{}").status()); // whatever ran before
        assertEquals(200, server.call("GET", "/v2/health/ready", null).status());
        assertFalse(post("/v2/repository/index", "{\"ready\": true}").body().contains("tiny_seq2seq"),
                "not loaded");

        Reply ready = server.call("GET", "/v2/models/tiny_seq2seq/ready", null);

        assertEquals(200, ready.status(), ready.body());
        assertTrue(JSON.readTree(ready.body()).get("ready").asBoolean());
        Reply generated = post("/v2/models/tiny_seq2seq/generate", "{\"text_input\": \"" + TEXT + "\"}");
        assertEquals(200, generated.status(), generated.body());
        assertEquals(404, server.call("GET", "/v2/models/no_such_model/ready", null).status());
    }

    @Test
    void reloadsWithAGoodAndABadOverrideFailNoInferenceAndTheBadOneFailsOnlyItsOwnLoad() throws Exception {
        assertEquals(200, post("/v2/models/simple_linear/infer", SIMPLE_REQUEST).status());
        try (Traffic<String> traffic = Traffic.start(2, () -> {
            Reply reply = post("/v2/models/simple_linear/infer", SIMPLE_REQUEST);
            return reply.status() == 200 && reply.body().contains("\"data\":[8.0,2.0]") ? "" // answered right
                    : reply.status() + " " + reply.body();
        })) {
            Reply good = manage("POST", "/v2/repository/models/simple_linear/load", load(GOOD_CONFIG));
            Reply unknownPlatform = manage("POST", "/v2/repository/models/simple_linear/load",
                    load(GOOD_CONFIG.replace("pytorch_libtorch", "no_such_platform")));
            Reply noPlatform = manage("POST", "/v2/repository/models/simple_linear/load",
                    load(GOOD_CONFIG.replace("\"platform\":\"pytorch_libtorch\",", "")));
            Reply again = manage("POST", "/v2/repository/models/simple_linear/load", "{}");
            List<List<String>> answers = traffic.stop();

            assertEquals(200, good.status(), good.body());
            assertEquals(503, unknownPlatform.status(), unknownPlatform.body());
            assertTrue(JSON.readTree(unknownPlatform.body()).get("error").asText()
                    .contains("no backend for platform 'no_such_platform'"), unknownPlatform.body());
            assertEquals(400, noPlatform.status(), noPlatform.body());
            assertEquals(200, again.status(), again.body());
            for (List<String> client : answers) {
                assertEquals(List.of(), client.stream().filter(failure -> !failure.isEmpty()).toList(),
                        "failed inferences");
            }
        }
        JsonNode config = JSON.readTree(server.call("GET", "/v2/models/simple_linear/config", null).body());
        assertEquals(4, config.get("max_batch_size").asInt(), "the good override serves, kept by a plain load");
        assertTrue(post("/v2/repository/index", "{\"ready\": true}").body().contains("\"simple_linear\""));
        assertEquals(200, manage("POST", "/v2/repository/models/simple_linear/unload", "{}").status());
    }

    private static String load(String config) throws IOException {
        return JSON.writeValueAsString(Map.of("parameters", Map.of("config", config)));
    }

    @Test
    void generationStreamsWithTheParametersGenerateClientsSend() throws Exception {
        String request = "{\"text_input\": \"" + TEXT + "\", \"max_tokens\": 3, \"temperature\": 0,"
                + " \"decoding\": \"sampling\", \"stream\": true}";

        Reply stream = post("/v2/models/tiny_seq2seq/generate_stream", request);

        assertEquals(200, stream.status(), stream.body());
        assertEquals("text/event-stream;charset=utf-8", stream.contentType().replace(" ", "").toLowerCase(),
                "Triton's type, whatever the spacing");
        List<String> events = Stream.of(stream.body().split("\n\n")).filter(e -> !e.isBlank()).toList();
        assertEquals(3, events.size(), stream.body());
        long[] ids = new long[events.size()];
        for (int i = 0; i < ids.length; i++) {
            assertTrue(events.get(i).startsWith("data: "), events.get(i));
            JsonNode event = JSON.readTree(events.get(i).substring("data: ".length()));
            ids[i] = event.get("output_ids").asLong();
            assertEquals(i == ids.length - 1, event.get("triton_final_response").asBoolean(), events.get(i));
        }
        assertArrayEquals(java.util.Arrays.copyOf(GREEDY, 3), ids, "temperature 0 is greedy, max_tokens bounds it");
        Reply whole = post("/v2/models/tiny_seq2seq/generate", request.replace("\"stream\": true", "\"id\": \"\""));
        assertEquals(3, JSON.readTree(whole.body()).get("output_ids").size(), whole.body());
        assertFalse(JSON.readTree(whole.body()).has("id"), "an empty id is not echoed");
    }

    @Test
    void aRawBytesBodyIsTheOneElementOfABatchOfOneAndEveryOutputComesBackBinary() throws Exception {
        Reply raw = server.exchange("POST", "/v2/models/tiny_seq2seq/infer", TEXT.getBytes(StandardCharsets.UTF_8),
                Map.of("Inference-Header-Content-Length", "0", "Content-Type", "application/octet-stream"));

        assertEquals(200, raw.status(), raw.body());
        int headerLength = Integer.parseInt(raw.header("Inference-Header-Content-Length"));
        JsonNode header = JSON.readTree(raw.bytes(), 0, headerLength);
        int offset = headerLength;
        long[] ids = null;
        for (JsonNode output : header.get("outputs")) {
            int size = output.get("parameters").get("binary_data_size").asInt();
            assertFalse(output.has("data"), output.toString());
            if (output.get("name").asText().equals("output_ids")) {
                ByteBuffer data = ByteBuffer.wrap(raw.bytes(), offset, size).order(ByteOrder.LITTLE_ENDIAN);
                ids = new long[size / 8];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = data.getLong();
                }
            }
            offset += size;
        }
        assertEquals(raw.bytes().length, offset, "the binary outputs fill the rest of the body");
        assertArrayEquals(GREEDY, ids);
    }

    @Test
    void aSageMakerFolderOfAnEnsembleAndItsStepsServesTheEnsemble() throws Exception {
        Path folder = server.work().resolve("sagemaker/chain/model");
        for (String model : List.of("add_sub_chain", "add_sub", "versioned_scale")) {
            E2eFiles.copy(EXAMPLES.resolve(model), folder.resolve(model));
        }
        JsonNode expected = JSON.readTree(EXAMPLES.resolve("add_sub_chain/expected.json").toFile()).get("1").get(0);

        Reply added = manage("POST", "/models", JSON.writeValueAsString(Map.of("model_name", "chain", "url",
                folder.toString())));

        assertEquals(200, added.status(), added.body());
        Reply invoked = post("/models/chain/invoke", JSON.writeValueAsString(Map.of("inputs",
                expected.get("inputs"))));
        assertEquals(200, invoked.status(), invoked.body());
        for (JsonNode output : expected.get("outputs")) {
            JsonNode actual = null;
            for (JsonNode candidate : JSON.readTree(invoked.body()).get("outputs")) {
                actual = candidate.get("name").equals(output.get("name")) ? candidate : actual;
            }
            assertEquals(output.get("data"), actual.get("data"), output.get("name").asText());
        }
        JsonNode listed = JSON.readTree(server.call("GET", "/models", null).body()).get("models");
        assertEquals(1, listed.size(), listed.toString());
        assertEquals("chain", listed.get(0).get("modelName").asText());
        assertEquals(200, manage("DELETE", "/models/chain", null).status());
        assertEquals(404, server.call("GET", "/v2/models/add_sub", null).status(), "its steps went with it");
    }
}
