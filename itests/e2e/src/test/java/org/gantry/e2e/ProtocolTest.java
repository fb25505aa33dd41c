package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The inference API as clients of KServe, Triton and SageMaker see it, on the real distribution started with
 * both tokens set and small limits: conformance exchanges from the protocol texts, then each extension's
 * behaviour and error paths.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = E2eFiles.EXAMPLES;
    private static final String ADMIN = "e2e-admin-token";
    private static final String INFERENCE = "e2e-inference-token";
    private static final int BODY_LIMIT = 1 << 20;
    private static final Map<String, String> AS_ADMIN = E2eRequests.bearer(ADMIN);
    private static final Map<String, String> AS_CLIENT = E2eRequests.bearer(INFERENCE);
    private static final String SIMPLE_REQUEST = E2eRequests.SIMPLE_LINEAR;

    private static final List<String> CONFORMANCE_MODELS = List.of("simple_linear", "token_scorer", "versioned_scale");
    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        // The conformance exchanges list the repository's index: the three models they were written against.
        server = KarafServer.in("protocol").exampleModels(CONFORMANCE_MODELS.toArray(String[]::new))
                .tokens(ADMIN, INFERENCE)
                .etc("org.gantry.rest.cfg", "maxRequestBytes = " + BODY_LIMIT + "\nmaxTensorElements = 100000\n")
                .start();
    }

    private static Reply send(String method, String path, String json, Map<String, String> headers) {
        return server.send(method, path, json, headers);
    }

    @Test
    @Order(1)
    void conformanceExchangesFromTheProtocolTexts() throws Exception {
        for (String file : List.of("kserve-v2.json", "triton-extensions.json", "sagemaker.json")) {
            JsonNode exchanges;
            try (InputStream in = ProtocolTest.class.getResourceAsStream("/conformance/" + file)) {
                exchanges = JSON.readTree(in);
            }
            for (JsonNode exchange : exchanges) {
                replay(file, exchange);
            }
        }
    }

    private static void replay(String file, JsonNode exchange) throws IOException {
        String label = file + ": " + exchange.get("text").asText();
        JsonNode request = exchange.get("request");
        Map<String, String> headers = new HashMap<>(AS_ADMIN);
        request.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        byte[] json = request.has("json") ? JSON.writeValueAsBytes(request.get("json"))
                : request.has("text") ? request.get("text").asText().getBytes(StandardCharsets.UTF_8) : new byte[0];
        byte[] binary = request.has("base64") ? Base64.getDecoder().decode(request.get("base64").asText())
                : new byte[0];
        if (request.path("header_length").asBoolean()) {
            headers.put("Inference-Header-Content-Length", Integer.toString(json.length));
        }
        if (request.has("json") || request.has("text")) {
            headers.putIfAbsent("Content-Type", "application/json");
        }
        byte[] body = new byte[json.length + binary.length];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        Reply reply = server.exchange(request.get("method").asText(), request.get("path").asText(),
                body.length == 0 && request.get("method").asText().equals("GET") ? null : body, headers);

        JsonNode expected = exchange.get("response");
        assertEquals(expected.get("status").asInt(), reply.status(), label + " → " + reply.body());
        int headerLength = reply.bytes().length;
        if (expected.path("header_length").asBoolean()) {
            String declared = reply.header("Inference-Header-Content-Length");
            assertTrue(declared != null, label + ": no Inference-Header-Content-Length");
            headerLength = Integer.parseInt(declared);
            byte[] rest = java.util.Arrays.copyOfRange(reply.bytes(), headerLength, reply.bytes().length);
            assertArrayEquals(Base64.getDecoder().decode(expected.get("base64").asText()), rest, label);
        }
        if (expected.has("json")) {
            JsonNode actual = JSON.readTree(reply.bytes(), 0, headerLength);
            assertMatches(expected.get("json"), actual, label, "$");
        }
    }

    /** Matches the texts' notation: $string, $number, $boolean, $array, $object; objects by the fields listed. */
    static void assertMatches(JsonNode expected, JsonNode actual, String label, String where) {
        String context = label + " at " + where + ": expected " + expected + ", got " + actual;
        if (actual == null) {
            fail(context);
        }
        if (expected.isTextual() && expected.asText().startsWith("$")) {
            boolean ok = switch (expected.asText()) {
                case "$string" -> actual.isTextual();
                case "$number" -> actual.isNumber();
                case "$boolean" -> actual.isBoolean();
                case "$array" -> actual.isArray();
                case "$object" -> actual.isObject();
                default -> expected.equals(actual);
            };
            assertTrue(ok, context);
        } else if (expected.isObject()) {
            assertTrue(actual.isObject(), context);
            for (Map.Entry<String, JsonNode> field : expected.properties()) {
                assertMatches(field.getValue(), actual.get(field.getKey()), label, where + "." + field.getKey());
            }
        } else if (expected.isArray()) {
            assertTrue(actual.isArray() && actual.size() == expected.size(), context);
            for (int i = 0; i < expected.size(); i++) {
                assertMatches(expected.get(i), actual.get(i), label, where + "[" + i + "]");
            }
        } else if (expected.isNumber()) {
            assertTrue(actual.isNumber() && actual.decimalValue().compareTo(expected.decimalValue()) == 0, context);
        } else {
            assertEquals(expected, actual, context);
        }
    }

    @Test
    @Order(2)
    void tokensGuardEndpointsAndARefusedRequestChangesNothing() throws Exception {
        assertEquals(200, send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, AS_CLIENT).status());
        Reply anonymous = send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, Map.of());
        assertEquals(401, anonymous.status());
        assertTrue(anonymous.header("WWW-Authenticate").startsWith("Bearer"));
        assertTrue(JSON.readTree(anonymous.body()).get("error").asText().contains("GANTRY_INFERENCE_TOKEN"));
        assertEquals(401, send("GET", "/v2/models/simple_linear", null, Map.of("Authorization", "Bearer wrong"))
                .status());
        for (String modelEndpoint : List.of("/v2/models/simple_linear/stats", "/v2/models/simple_linear/versions/1",
                "/v2/models/simple_linear/versions/1/ready", "/v2/models/simple_linear/versions/1/config")) {
            assertEquals(401, send("GET", modelEndpoint, null, Map.of()).status(), modelEndpoint);
            assertEquals(200, send("GET", modelEndpoint, null, AS_CLIENT).status(), modelEndpoint);
        }

        Reply notAdmin = send("POST", "/v2/repository/models/simple_linear/unload", "{}", AS_CLIENT);
        assertEquals(401, notAdmin.status());
        assertTrue(send("POST", "/v2/repository/index", "{\"ready\": true}", AS_CLIENT).body()
                .contains("\"simple_linear\""), "a refused unload must leave the model loaded");
        assertEquals(401, send("POST", "/models", "{\"model_name\":\"x\",\"url\":\"/tmp\"}", AS_CLIENT).status());
        assertEquals(401, send("DELETE", "/models/x", null, Map.of()).status());

        for (String open : List.of("/v2/health/live", "/v2/health/ready", "/ping", "/openapi.json", "/metrics")) {
            assertEquals(200, send("GET", open, null, Map.of()).status(), open);
        }
    }

    @Test
    @Order(3)
    void limitsRefuseLargeBodiesAndTensors() throws Exception {
        byte[] large = new byte[BODY_LIMIT + 1];
        Reply tooLarge = server.exchange("POST", "/v2/models/simple_linear/infer", large,
                E2eRequests.bearerJson(INFERENCE));
        assertEquals(413, tooLarge.status(), tooLarge.body());
        assertTrue(JSON.readTree(tooLarge.body()).has("error"));

        String huge = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[100000,3],\"datatype\":\"FP32\",\"data\":[1]}]}";
        Reply tooManyElements = send("POST", "/v2/models/simple_linear/infer", huge, AS_CLIENT);
        assertEquals(400, tooManyElements.status());
        assertTrue(tooManyElements.body().contains("at most 100000"), tooManyElements.body());
        assertEquals(200, send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, AS_CLIENT).status());
    }

    @Test
    @Order(4)
    void aRequestTimeoutThatPassesWhileItsModelLoadsIs504() throws Exception {
        assertEquals(200, send("POST", "/v2/repository/models/versioned_scale/unload", "{}", AS_ADMIN).status());
        String request = "{\"parameters\":{\"timeout\":1},\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[2],"
                + "\"datatype\":\"FP32\",\"data\":[1,2]}]}";

        Reply timedOut = send("POST", "/v2/models/versioned_scale/versions/1/infer", request, AS_CLIENT);

        assertEquals(504, timedOut.status(), timedOut.body());
        assertTrue(JSON.readTree(timedOut.body()).get("error").asText().contains("timed out"));
        Reply bad = send("POST", "/v2/models/versioned_scale/versions/1/infer",
                request.replace("\"timeout\":1", "\"timeout\":\"soon\""), AS_CLIENT);
        assertEquals(400, bad.status());
    }

    @Test
    @Order(5)
    void loadWithAConfigurationAndFilesOfTheCallers() throws Exception {
        String config = "{\"name\":\"simple_linear\",\"platform\":\"pytorch_libtorch\",\"max_batch_size\":2,"
                + "\"input\":[{\"name\":\"INPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[3]}],"
                + "\"output\":[{\"name\":\"OUTPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[2]}]}";
        String load = JSON.writeValueAsString(Map.of("parameters", Map.of("config", config)));
        assertEquals(200, send("POST", "/v2/repository/models/simple_linear/load", load, AS_ADMIN).status());
        assertEquals(2, JSON.readTree(send("GET", "/v2/models/simple_linear/config", null, AS_CLIENT).body())
                .get("max_batch_size").asInt());
        String batchOfThree = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[3,3],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,1,2,3,1,2,3]}]}";
        assertEquals(400, send("POST", "/v2/models/simple_linear/infer", batchOfThree, AS_CLIENT).status());
        assertEquals(200, send("POST", "/v2/repository/models/simple_linear/load", "{}", AS_ADMIN).status());
        assertEquals(2, JSON.readTree(send("GET", "/v2/models/simple_linear/config", null, AS_CLIENT).body())
                .get("max_batch_size").asInt(), "a load without a config keeps the override, as Triton's does");
        assertEquals(200, send("POST", "/v2/repository/models/simple_linear/unload", "{}", AS_ADMIN).status());
        assertEquals(200, send("POST", "/v2/repository/models/simple_linear/load", "{}", AS_ADMIN).status());
        assertEquals(8, JSON.readTree(send("GET", "/v2/models/simple_linear/config", null, AS_CLIENT).body())
                .get("max_batch_size").asInt());

        // A new model from uploaded files: the version 2 weights of versioned_scale under another name.
        byte[] weights = Files.readAllBytes(EXAMPLES.resolve("versioned_scale/2/model.pt"));
        String uploadedConfig = "{\"name\":\"uploaded\",\"platform\":\"pytorch_libtorch\","
                + "\"input\":[{\"name\":\"INPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}],"
                + "\"output\":[{\"name\":\"OUTPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}]}";
        String upload = JSON.writeValueAsString(Map.of("parameters", Map.of("config", uploadedConfig,
                "file:7/model.pt", Base64.getEncoder().encodeToString(weights))));
        assertEquals(200, send("POST", "/v2/repository/models/uploaded/load", upload, AS_ADMIN).status());
        String two = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]}]}";
        JsonNode fromUpload = JSON.readTree(send("POST", "/v2/models/uploaded/infer", two, AS_CLIENT).body());
        JsonNode fromRepository = JSON.readTree(send("POST", "/v2/models/versioned_scale/versions/2/infer", two,
                AS_CLIENT).body());
        assertEquals("7", fromUpload.get("model_version").asText());
        assertEquals(fromRepository.get("outputs").get(0).get("data"), fromUpload.get("outputs").get(0).get("data"));

        String escape = JSON.writeValueAsString(Map.of("parameters", Map.of("config", uploadedConfig,
                "file:../../escape.pt", Base64.getEncoder().encodeToString(weights))));
        assertEquals(400, send("POST", "/v2/repository/models/uploaded2/load", escape, AS_ADMIN).status());
        assertEquals(400, send("POST", "/v2/repository/models/uploaded2/load", JSON.writeValueAsString(Map.of(
                "parameters", Map.of("config", uploadedConfig, "file:1/model.pt", "not base64!"))), AS_ADMIN).status());
        assertEquals(200, send("POST", "/v2/repository/models/uploaded/unload", "{}", AS_ADMIN).status());
        assertEquals(404, send("GET", "/v2/models/uploaded", null, AS_CLIENT).status());
    }

    @Test
    @Order(6)
    void generateStreamSendsOneEventPerResponseTheLastMarked() throws Exception {
        Reply stream = send("POST", "/v2/models/simple_linear/generate_stream", "{\"INPUT__0\":[1,2,3]}", AS_CLIENT);
        assertEquals(200, stream.status(), stream.body());
        assertTrue(stream.contentType().startsWith("text/event-stream"), stream.contentType());
        List<String> events = Stream.of(stream.body().split("\n\n")).filter(e -> !e.isBlank()).toList();
        assertEquals(1, events.size(), stream.body());
        assertTrue(events.get(0).startsWith("data: "));
        JsonNode event = JSON.readTree(events.get(0).substring("data: ".length()));
        assertTrue(event.get("triton_final_response").asBoolean());
        assertEquals(2, event.get("OUTPUT__0").size());
        assertEquals(404, send("POST", "/v2/models/nope/generate_stream", "{}", AS_CLIENT).status(),
                "a request that fails at once gets its status, not a 200 stream");
    }

    @Test
    @Order(7)
    void sageMakerAddsInvokesListsAndRemovesModels() throws Exception {
        Path downloads = Files.createDirectories(server.work().resolve("sagemaker"));
        for (String name : List.of("customer-a", "customer-b")) {
            Path folder = downloads.resolve(name).resolve("model").resolve("simple_linear");
            E2eFiles.copy(EXAMPLES.resolve("simple_linear"), folder);
        }
        for (String name : List.of("customer-a", "customer-b")) {
            String body = JSON.writeValueAsString(Map.of("model_name", name,
                    "url", downloads.resolve(name).resolve("model").toString()));
            Reply added = send("POST", "/models", body, AS_ADMIN);
            assertEquals(200, added.status(), added.body());
        }
        Reply again = send("POST", "/models", JSON.writeValueAsString(Map.of("model_name", "customer-a",
                "url", downloads.resolve("customer-a").resolve("model").toString())), AS_ADMIN);
        assertEquals(409, again.status());

        JsonNode first = JSON.readTree(send("GET", "/models?limit=1", null, AS_CLIENT).body());
        assertEquals("customer-a", first.get("models").get(0).get("modelName").asText());
        JsonNode second = JSON.readTree(send("GET", "/models?limit=1&next_page_token="
                + first.get("nextPageToken").asText(), null, AS_CLIENT).body());
        assertEquals("customer-b", second.get("models").get(0).get("modelName").asText());
        assertFalse(second.has("nextPageToken"));
        assertEquals("customer-b", JSON.readTree(send("GET", "/models/customer-b", null, AS_CLIENT).body())
                .get("modelName").asText());

        Map<String, String> target = new HashMap<>(AS_CLIENT);
        target.put("X-Amzn-SageMaker-Target-Model", "customer-a");
        JsonNode invoked = JSON.readTree(send("POST", "/invocations", SIMPLE_REQUEST, target).body());
        assertEquals("[8.0,2.0]", invoked.get("outputs").get(0).get("data").toString());
        JsonNode direct = JSON.readTree(send("POST", "/models/customer-b/invoke", SIMPLE_REQUEST, AS_CLIENT).body());
        assertEquals("[8.0,2.0]", direct.get("outputs").get(0).get("data").toString());

        // Triton's SageMaker binary content type: the JSON header size travels in the content type.
        byte[] header = ("{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":12}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer binary = ByteBuffer.allocate(header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        binary.put(header).putFloat(1).putFloat(2).putFloat(3);
        Reply binaryReply = server.exchange("POST", "/models/customer-b/invoke", binary.array(), Map.of(
                "Authorization", "Bearer " + INFERENCE, "Content-Type",
                "application/vnd.sagemaker-triton.binary+json;json-header-size=" + header.length));
        assertEquals(200, binaryReply.status(), binaryReply.body());
        assertTrue(
                binaryReply.contentType().startsWith("application/vnd.sagemaker-triton.binary+json;json-header-size="),
                binaryReply.contentType());
        int size = Integer.parseInt(binaryReply.contentType().replaceAll(".*json-header-size=", ""));
        ByteBuffer outputs = ByteBuffer.wrap(binaryReply.bytes(), size, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8.0f, outputs.getFloat());
        assertEquals(2.0f, outputs.getFloat());

        assertEquals(200, send("DELETE", "/models/customer-a", null, AS_ADMIN).status());
        assertEquals(404, send("DELETE", "/models/customer-a", null, AS_ADMIN).status());
        assertEquals(404, send("POST", "/models/customer-a/invoke", SIMPLE_REQUEST, AS_CLIENT).status());
        assertEquals(200, send("DELETE", "/models/customer-b", null, AS_ADMIN).status());
    }

    @Test
    @Order(8)
    void sageMakerGets507ForAModelThatCannotFitAndNothingElseBreaks() throws Exception {
        Path folder = server.work().resolve("sagemaker/huge/model");
        E2eFiles.copy(EXAMPLES.resolve("simple_linear"), folder);
        // A sparse terabyte: the artifact's size makes the memory manager refuse it before any byte is read.
        try (RandomAccessFile sparse = new RandomAccessFile(folder.resolve("1/weights.bin").toFile(), "rw")) {
            sparse.setLength(1L << 40);
        }
        Reply refused = send("POST", "/models", JSON.writeValueAsString(Map.of("model_name", "huge",
                "url", folder.toString())), AS_ADMIN);

        assertEquals(507, refused.status(), refused.body());
        assertEquals(404, send("GET", "/models/huge", null, AS_CLIENT).status());
        assertEquals(200, send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, AS_CLIENT).status());
    }

    @Test
    @Order(9)
    void theOpenApiDocumentDescribesEveryEndpoint() throws Exception {
        JsonNode document = JSON.readTree(send("GET", "/openapi.json", null, Map.of()).body());
        assertTrue(document.get("openapi").asText().startsWith("3."));
        JsonNode paths = document.get("paths");
        for (String path : List.of("/v2/models/{model}/infer", "/v2/models/{model}/generate_stream",
                "/v2/repository/models/{model}/load", "/v2/models/{model}/config", "/models/{name}/invoke",
                "/invocations", "/ping", "/v2/memory")) {
            assertTrue(paths.has(path), path + " is missing from " + paths.fieldNames());
        }
    }

    @Test
    @Order(10)
    void theLeanInferPathAnswersByteForByteAsJaxRsDoes() {
        // A matrix parameter on the model's segment is a path InferenceFilter leaves to JAX-RS, which ignores it.
        byte[] header = ("{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":12}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer binary = ByteBuffer.allocate(header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        binary.put(header).putFloat(1).putFloat(2).putFloat(3);
        Map<String, String> binaryHeaders = Map.of("Authorization", "Bearer " + INFERENCE,
                "Inference-Header-Content-Length", Integer.toString(header.length));
        Map<String, String> json = E2eRequests.bearerJson(INFERENCE);
        record Case(String label, String model, String suffix, byte[] body, Map<String, String> headers) {
        }
        for (Case c : List.of(
                new Case("JSON", "simple_linear", "/infer", SIMPLE_REQUEST.getBytes(StandardCharsets.UTF_8), json),
                new Case("binary", "simple_linear", "/infer", binary.array(), binaryHeaders),
                new Case("one version", "simple_linear", "/versions/1/infer", binary.array(), binaryHeaders),
                new Case("unknown model", "missing", "/infer", SIMPLE_REQUEST.getBytes(StandardCharsets.UTF_8), json),
                new Case("unknown version", "simple_linear", "/versions/9/infer",
                        SIMPLE_REQUEST.getBytes(StandardCharsets.UTF_8), json),
                new Case("malformed", "simple_linear", "/infer", "{\"inputs\":[".getBytes(StandardCharsets.UTF_8),
                        json),
                new Case("short binary", "simple_linear", "/infer", Arrays.copyOf(binary.array(), header.length + 4),
                        binaryHeaders),
                new Case("no token", "simple_linear", "/infer", SIMPLE_REQUEST.getBytes(StandardCharsets.UTF_8),
                        Map.of("Content-Type", "application/json")))) {
            Reply lean = server.exchange("POST", "/v2/models/" + c.model() + c.suffix(), c.body(), c.headers());
            Reply jaxrs = server.exchange("POST", "/v2/models/" + c.model() + ";via=jaxrs" + c.suffix(), c.body(),
                    c.headers());
            assertEquals(jaxrs.status(), lean.status(), c.label() + ": " + lean.body());
            assertEquals(jaxrs.contentType(), lean.contentType(), c.label());
            for (String name : List.of("Inference-Header-Content-Length", "Content-Length", "WWW-Authenticate")) {
                assertEquals(jaxrs.header(name), lean.header(name), c.label() + ": " + name);
            }
            assertArrayEquals(jaxrs.bytes(), lean.bytes(), c.label() + ": " + lean.body());
        }
    }
}
