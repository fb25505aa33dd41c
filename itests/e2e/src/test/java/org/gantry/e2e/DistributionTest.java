package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The built Karaf distribution, started as a user starts it ({@code bin/karaf server} with
 * {@code GANTRY_HTTP_PORT} and {@code GANTRY_MODEL_REPOSITORY}), serving the example repository unchanged.
 */
class DistributionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = E2eFiles.EXAMPLES;
    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        server = KarafServer.in(Files.createDirectories(Path.of(System.getProperty("gantry.e2e.work")))).start();
    }

    /**
     * Readiness waits for Karaf's boot features: once the server says ready, the backends it boots with serve (it
     * once said ready a second before the TorchScript backend arrived, and a model needing it got 503 meanwhile).
     */
    @Test
    void readinessComesOnceTheBackendsTheServerBootsWithServe() throws Exception {
        assertEquals(200, server.call("GET", "/v2/models/simple_linear/ready", null).status(),
                "a model of the TorchScript backend would be served");
        String log = server.log();
        assertTrue(log.contains("Gantry has started: its backends are ["), "the start is logged");
        assertTrue(log.contains("Backend 'pytorch' available"), "the TorchScript backend arrived");
        assertTrue(log.indexOf("Backend 'pytorch' available") < log.indexOf("Gantry has started"),
                "the TorchScript backend arrived before the server started");
    }

    /**
     * Without an administrator token, management is for this machine only. A client whose body reaches the server
     * after its headers (Java's HTTP client sends them apart) is still this machine: the body is read
     * asynchronously and the request dispatched again, and the loopback mark must survive that.
     */
    @Test
    void managementFromThisMachineWorksWithoutATokenWhenItsBodyArrivesAfterItsHeaders() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.ports().http())) {
                socket.setSoTimeout(60_000);
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("POST /v2/repository/models/simple_linear/load HTTP/1.1\r\nHost: x\r\nContent-Type:"
                        + " application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(300); // the body comes later: the server goes asynchronous for it
                out.write("{}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String answer = new String(socket.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            }
        }
    }

    /**
     * Several servers per host: every port a server listens on is one the environment names: HTTP, gRPC, the console
     * and Felix's internal connector, and no other. Only HTTP and gRPC listen beyond loopback.
     */
    @Test
    void everyListenerIsAPortTheEnvironmentNames() throws Exception {
        List<TcpListeners.Listener> listeners = TcpListeners.of(server.pid());
        Set<Integer> ports = listeners.stream().map(TcpListeners.Listener::port).collect(Collectors.toSet());
        Set<Integer> named = server.ports().all();
        assertTrue(ports.containsAll(named), listeners.toString());
        assertTrue(named.containsAll(ports), "a port the environment does not name: " + listeners);
        assertTrue(
                listeners.stream()
                        .filter(l -> l.port() == server.ports().console() || l.port() == server.ports().internal())
                        .allMatch(TcpListeners.Listener::loopback),
                "the console and Felix's connector stay on loopback: "
                        + listeners);
    }

    @Test
    void healthAndServerMetadata() throws Exception {
        assertEquals(200, server.call("GET", "/v2/health/live", null).status());
        Reply metadata = server.call("GET", "/v2", null);
        assertEquals(200, metadata.status());
        assertTrue(metadata.contentType().startsWith("application/json"), metadata.contentType());
        JsonNode body = JSON.readTree(metadata.body());
        assertEquals("gantry", body.get("name").asText());
        assertTrue(body.get("extensions").isArray());
    }

    @Test
    void everyExampleModelAnswersAsTorchDid() throws Exception {
        for (String model : List.of("simple_linear", "token_scorer", "versioned_scale", "add_sub", "add_sub_chain")) {
            JsonNode cases = JSON.readTree(EXAMPLES.resolve(model).resolve("expected.json").toFile());
            for (Map.Entry<String, JsonNode> version : cases.properties()) {
                for (JsonNode testCase : version.getValue()) {
                    ObjectNode request = JSON.createObjectNode();
                    request.put("id", model + "-" + version.getKey());
                    request.set("inputs", testCase.get("inputs"));
                    Reply reply = server.call("POST",
                            "/v2/models/" + model + "/versions/" + version.getKey() + "/infer",
                            JSON.writeValueAsString(request));
                    assertEquals(200, reply.status(), reply.body());
                    JsonNode response = JSON.readTree(reply.body());
                    assertEquals(model + "-" + version.getKey(), response.get("id").asText());
                    assertEquals(version.getKey(), response.get("model_version").asText());
                    assertOutputs(testCase.get("outputs"), response.get("outputs"));
                }
            }
        }
    }

    /**
     * The MiniLM ensemble (tokenizer processor → TorchScript encoder → mean pooling → L2 normalisation) in the
     * distribution as booted: the embeddings equal those torch computed, and give sentence-transformers' similarity.
     */
    @Test
    void minilmEmbeddingsFromTheEnsembleEqualTorchs() throws Exception {
        JsonNode reference = JSON.readTree(Path.of(System.getProperty("gantry.minilm.reference")).toFile());
        ObjectNode request = JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", "TEXT").put("datatype", "BYTES").putArray("shape").add(reference.get("sentences").size());
        input.set("data", reference.get("sentences"));
        request.putObject("parameters").put("encoder", "document");
        Reply reply = server.call("POST", "/v2/models/minilm_embeddings/infer", JSON.writeValueAsString(request));
        assertEquals(200, reply.status(), reply.body());
        JsonNode data = JSON.readTree(reply.body()).get("outputs").get(0).get("data");
        double maxDifference = 0;
        double cosine = 0;
        for (int i = 0; i < reference.get("sentences").size(); i++) {
            for (int j = 0; j < 384; j++) {
                maxDifference = Math.max(maxDifference, Math.abs(data.get(i * 384 + j).asDouble()
                        - reference.get("embeddings").get(i).get(j).asDouble()));
            }
        }
        for (int j = 0; j < 384; j++) {
            cosine += data.get(j).asDouble() * data.get(384 + j).asDouble();
        }
        assertTrue(maxDifference < 1e-4, "max abs difference to torch " + maxDifference);
        assertEquals(0.7553, cosine, 0.001);
        String index = server.call("POST", "/v2/repository/index", "{\"ready\": true}").body();
        for (String step : List.of("minilm_tokenizer", "minilm_encoder_document", "minilm_pooling",
                "minilm_normalize")) {
            assertTrue(index.contains("\"" + step + "\""), step + " is a loaded model of its own: " + index);
        }
    }

    /**
     * The seq2seq example in the distribution: greedy generation equals torch's ids, the stream has one event per
     * token with the last marked (that each is sent as it is made is tested on the backend, Seq2SeqBackendTest).
     */
    @Test
    void theSeq2seqExampleGeneratesAndStreamsTokenByToken() throws Exception {
        JsonNode testCase = JSON.readTree(EXAMPLES.resolve("tiny_seq2seq/expected.json").toFile()).get("cases").get(0);
        String request = JSON.writeValueAsString(Map.of("text_input", testCase.get("text").asText()));
        Reply whole = server.call("POST", "/v2/models/tiny_seq2seq/generate", request);
        assertEquals(200, whole.status(), whole.body());
        JsonNode answer = JSON.readTree(whole.body());
        assertEquals(testCase.get("greedy"), answer.get("output_ids"), whole.body());

        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = server.postForLines(
                "/v2/models/tiny_seq2seq/generate_stream", request);
        assertEquals(200, stream.statusCode());
        List<JsonNode> events = new java.util.ArrayList<>();
        stream.body().filter(line -> line.startsWith("data:")).forEach(line -> {
            try {
                events.add(JSON.readTree(line.substring("data:".length())));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(testCase.get("greedy").size(), events.size(), "one event per generated token");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i == events.size() - 1, events.get(i).get("triton_final_response").asBoolean(),
                    events.get(i).toString());
            text.append(events.get(i).get("text_output").asText());
        }
        assertEquals(answer.get("text_output").asText(), text.toString());

        Reply tooMany = server.call("POST", "/v2/models/tiny_seq2seq/generate",
                "{\"text_input\": \"the cat\", \"parameters\": {\"max_new_tokens\": 1000}}");
        assertEquals(400, tooMany.status(), tooMany.body());
        assertTrue(tooMany.body().contains("max_new_tokens"), tooMany.body());
    }

    @Test
    void theMemoryViewShowsLeasesAndPinning() throws Exception {
        assertEquals(200, server.call("POST", "/v2/models/token_scorer/infer",
                input("token_ids", "[1,2]", "INT64", "[1,2]").replace("]}]}", "]},{\"name\":\"token_weights\","
                        + "\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,1]}]}"))
                .status());
        assertEquals(200, server.call("POST", "/v2/memory/models/token_scorer/pin", "").status());
        JsonNode host = JSON.readTree(server.call("GET", "/v2/memory", null).body()).get("devices").get(0);
        assertEquals("cpu", host.get("name").asText());
        JsonNode scorer = null;
        for (JsonNode model : host.get("models")) {
            if (model.get("name").asText().equals("token_scorer")) {
                scorer = model;
            }
        }
        assertTrue(scorer != null && scorer.get("pinned").asBoolean(), host.toString());
        assertTrue(scorer.get("bytes").asLong() >= 16 * 4 * 4, "at least the 16x4 FP32 embedding: " + scorer);
        assertEquals(404, server.call("POST", "/v2/memory/models/unknown/pin", "").status());
        assertEquals(200, server.call("POST", "/v2/memory/models/token_scorer/unpin", "").status());
    }

    @Test
    void statisticsAndMetricsCountWhatHappened() throws Exception {
        String infer = "/v2/models/versioned_scale/versions/2/infer";
        String request = input("INPUT__0", "[2]", "FP32", "[1,2]");
        assertEquals(200, server.call("POST", infer, request).status()); // loaded now, whatever ran before
        JsonNode before = versionStatistics();
        assertEquals(200, server.call("POST", infer, request).status());
        assertEquals(200, server.call("POST", infer, request).status());
        assertEquals(400, server.call("POST", infer, input("INPUT__0", "[2]", "INT32", "[1,2]")).status());

        JsonNode stats = versionStatistics();
        assertEquals("2", stats.get("version").asText());
        assertEquals(2, stats.get("execution_count").asLong() - before.get("execution_count").asLong());
        assertEquals(2, count(stats, "success") - count(before, "success"));
        assertEquals(1, count(stats, "fail") - count(before, "fail"));
        assertTrue(stats.get("inference_stats").get("compute_infer").get("ns").asLong() > 0);
        assertTrue(stats.get("last_inference").asLong() > 0);
        JsonNode memory = stats.get("memory_usage").get(0);
        assertEquals("CPU", memory.get("type").asText());
        assertTrue(memory.get("byte_size").asLong() >= 0);
        assertEquals(2, JSON.readTree(server.call("GET", "/v2/models/versioned_scale/stats", null).body())
                .get("model_stats").size());
        assertEquals(404, server.call("GET", "/v2/models/nope/stats", null).status());

        Reply metrics = server.call("GET", "/metrics", null);
        assertEquals(200, metrics.status());
        assertTrue(metrics.contentType().startsWith("text/plain"), metrics.contentType());
        assertTrue(metrics.body().contains(
                "gantry_inference_requests_total{model=\"versioned_scale\",status=\"success\",version=\"2\"} "),
                metrics.body());
        assertTrue(metrics.body().contains(
                "gantry_inference_requests_total{model=\"versioned_scale\",status=\"failure\",version=\"2\"} 1.0"),
                metrics.body());
        assertTrue(metrics.body().contains("gantry_device_budget_bytes{device=\"cpu\"}"), metrics.body());
    }

    @Test
    void metadataComesFromConfigPbtxt() throws Exception {
        JsonNode metadata = JSON.readTree(server.call("GET", "/v2/models/simple_linear", null).body());
        assertEquals("pytorch_libtorch", metadata.get("platform").asText());
        JsonNode input = metadata.get("inputs").get(0);
        assertEquals("INPUT__0", input.get("name").asText());
        assertEquals("FP32", input.get("datatype").asText());
        assertEquals("[-1,3]", input.get("shape").toString());
        JsonNode versioned = JSON.readTree(server.call("GET", "/v2/models/versioned_scale", null).body());
        assertEquals("[\"1\",\"2\"]", versioned.get("versions").toString());
    }

    @Test
    void badRequestsGetClearErrorsAndTheServerKeepsServing() throws Exception {
        String infer = "/v2/models/simple_linear/infer";
        record Case(String path, String body, int status, String message) {
        }
        List<Case> cases = List.of(
                new Case(infer, "{\"inputs\": [", 400, "malformed JSON"),
                new Case(infer, input("INPUT__0", "[1,4]", "FP32", "[1,2,3,4]"), 400, "expects [-1, 3]"),
                new Case(infer, input("INPUT__0", "[1,3]", "FP32", "[1,2]"), 400, "has 2 data elements"),
                new Case(infer, input("INPUT__0", "[1,3]", "INT32", "[1,2,3]"), 400, "must be FP32, not INT32"),
                new Case(infer, input("nope", "[1,3]", "FP32", "[1,2,3]"), 400, "no input named 'nope'"),
                new Case(infer, input("INPUT__0", "[-1,3]", "FP32", "[1,2,3]"), 400, "negative"),
                new Case(infer, input("INPUT__0", "[2147483648,4]", "FP32", "[1]"), 400, "accepts at most"),
                new Case(infer, input("INPUT__0", "[9223372036854775807,4]", "FP32", "[1]"), 400, "too large"),
                new Case(infer, input("INPUT__0", "[9,3]", "FP32", "[" + "1,".repeat(26) + "1]"), 400,
                        "max_batch_size"),
                new Case("/v2/models/unknown/infer", input("INPUT__0", "[1,3]", "FP32", "[1,2,3]"), 404,
                        "unknown model"),
                new Case("/v2/models/simple_linear/versions/7/infer", input("INPUT__0", "[1,3]", "FP32", "[1,2,3]"),
                        404,
                        "no version '7'"),
                new Case("/v2/models/../infer", input("INPUT__0", "[1,3]", "FP32", "[1,2,3]"), 404, "unknown model"),
                new Case("/v2/models/..%2F..%2Fetc/infer", input("INPUT__0", "[1,3]", "FP32", "[1,2,3]"), 400, ""),
                new Case("/v2/models/unknown", null, 404, "unknown model"));
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            Reply reply = server.call(c.body() == null ? "GET" : "POST", c.path(), c.body());
            if (reply.status() != c.status() || !reply.body().contains(c.message())) {
                failures.add(c.path() + " " + c.body() + " -> " + reply.status() + " " + reply.body());
            } else if (c.status() != 400 || !c.message().isEmpty()) {
                assertTrue(JSON.readTree(reply.body()).has("error"), reply.body());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        Reply stillServing = server.call("POST", infer, input("INPUT__0", "[1,3]", "FP32", "[1,2,3]"));
        assertEquals(200, stillServing.status(), stillServing.body());
        assertEquals("[8.0,2.0]", JSON.readTree(stillServing.body()).get("outputs").get(0).get("data").toString());
    }

    @Test
    void aModelArchiveDroppedIntoDeployBecomesServableAndLeavesWithItsFile() throws Exception {
        Path deploy = server.home().resolve("deploy");
        Path archive = deploy.resolve("deployed_linear.zip");
        Path staging = Files.createTempFile("deployed_linear", ".zip");
        zip(EXAMPLES.resolve("simple_linear"), staging);
        Files.move(staging, archive); // whole, as a user's mv would
        Path evil = deploy.resolve("evil.zip");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(evil))) {
            out.putNextEntry(new java.util.zip.ZipEntry("../../escaped.txt"));
            out.write(1);
            out.closeEntry();
        }

        String request = input("INPUT__0", "[1,3]", "FP32", "[1,2,3]");
        Reply reply = awaitStatus("POST", "/v2/models/deployed_linear/infer", request, 200);
        assertEquals("[8.0,2.0]", JSON.readTree(reply.body()).get("outputs").get(0).get("data").toString());
        assertEquals(404, server.call("GET", "/v2/models/evil", null).status());
        assertTrue(!Files.exists(server.home().resolve("escaped.txt"))
                && !Files.exists(server.home().resolve("data/escaped.txt")), "nothing written outside");
        assertTrue(Files.readString(server.home().resolve("data/log/karaf.log")).contains("Refused model archive"));

        Files.delete(archive);
        awaitStatus("GET", "/v2/models/deployed_linear", null, 404);
        Files.delete(evil);
    }

    private static Reply awaitStatus(String method, String path, String body, int status) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        Reply reply = server.call(method, path, body);
        while (reply.status() != status && System.nanoTime() < deadline) {
            Thread.sleep(250);
            reply = server.call(method, path, body);
        }
        assertEquals(status, reply.status(), reply.body());
        return reply;
    }

    private static void zip(Path folder, Path archive) throws java.io.IOException {
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(archive));
                java.util.stream.Stream<Path> files = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.zip.ZipEntry(folder.relativize(file).toString()));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }

    @Test
    void consoleCommandsLoadInferReportAndUnload() throws Exception {
        assertTrue(server.console("gantry:load token_scorer").contains("Model 'token_scorer' is loaded"));
        String answer = server.console("gantry:infer simple_linear '{\"inputs\":[{\"name\":\"INPUT__0\","
                + "\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}'");
        assertTrue(answer.contains("\"data\":[8.0,2.0]"), answer);
        assertTrue(server.console("gantry:infer simple_linear '{\"inputs\": ['").contains("malformed JSON"));
        String backends = server.console("gantry:backends");
        assertTrue(backends.lines().anyMatch(line -> line.contains("pytorch") && line.contains("pytorch_libtorch")
                && line.contains("org.gantry.backend.torchscript") && line.contains("simple_linear/1")), backends);
        String stats = server.console("gantry:stats simple_linear");
        assertTrue(stats.lines().anyMatch(line -> line.startsWith("simple_linear")), stats);
        assertTrue(server.console("gantry:unpin simple_linear").contains("no longer pinned"));
        assertTrue(server.console("gantry:unload token_scorer").contains("Model 'token_scorer' is unloaded"));
        assertFalse(server.call("POST", "/v2/repository/index", "{\"ready\": true}").body()
                .contains("\"token_scorer\""), "unloaded: the index no longer lists it as READY");
        assertEquals(200, server.call("GET", "/v2/models/token_scorer/ready", null).status(),
                "yet ready: a request would load and serve it");
        assertTrue(server.console("gantry:load no_such_model").contains("unknown model 'no_such_model'"));
    }

    @Test
    void theConsoleIsScriptableLocallyWithoutCredentials() throws Exception {
        String bundles = server.console("bundle:list -s");
        for (String bundle : Set.of("org.gantry.runtime", "org.gantry.rest", "org.gantry.backend.torchscript",
                "org.gantry.engine.pytorch")) {
            assertTrue(bundles.contains(bundle), "bundle:list lacks " + bundle + ":\n" + bundles);
        }
        assertEquals(200, server.call("POST", "/v2/models/simple_linear/infer",
                input("INPUT__0", "[1,3]", "FP32", "[1,2,3]")).status());
        String models = server.console("gantry:models");
        assertTrue(models.lines().anyMatch(line -> line.matches("simple_linear\\s+\\|\\s+1\\s+\\|\\s+READY.*")),
                models);
        String memory = server.console("gantry:memory");
        assertTrue(memory.contains("cpu") && memory.contains("simple_linear") && memory.contains("RESIDENT"), memory);
        assertTrue(server.console("gantry:pin simple_linear").contains("Model 'simple_linear' is pinned"));
        assertTrue(JSON.readTree(server.call("GET", "/v2/memory", null).body()).toString()
                .matches(".*\"name\":\"simple_linear\",\"version\":\"1\",\"bytes\":\\d+,\"pinned\":true.*"));
        assertTrue(server.console("gantry:pin --off simple_linear").contains("no longer pinned"));
        assertTrue(server.console("gantry:pin no_such_model").contains("unknown model 'no_such_model'"));
        assertTrue(server.console("gantry:models").lines().anyMatch(line -> line.matches(
                "simple_linear\\s+\\|\\s+1\\s+\\|\\s+READY\\s+\\|\\s+cpu\\s+\\|\\s+cpu\\s+\\|\\s+\\d+\\s+\\|\\s+20\\d\\d-.*")),
                "gantry:models shows tier, device, bytes and last use");
        Path users = server.home().resolve("etc/users.properties");
        assertEquals(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(users));
    }

    /**
     * Every setting the distribution configures is named and described where operators look ({@code config:meta},
     * Felix's web console): the names and descriptions live in each bundle's OSGI-INF/l10n properties, and a key
     * that names no entry there shows as itself ({@code gpuReserve.name}).
     */
    @Test
    void everySettingIsNamedAndDescribedInTheConsole() throws Exception {
        Pattern unresolvedKey = Pattern.compile("\\|\\s*%?[A-Za-z_]+\\.(name|description)\\s*(\\||$)",
                Pattern.MULTILINE);
        List<String> pids;
        try (var files = Files.list(server.home().resolve("etc"))) {
            pids = files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("org.gantry."))
                    .map(name -> name.substring(0, name.length() - ".cfg".length())).sorted().toList();
        }
        assertTrue(pids.size() >= 12, "the distribution configures Gantry: " + pids);
        for (String pid : pids) {
            String meta = server.console("config:meta " + pid);
            if (pid.equals("org.gantry.engine.tensorflow")) {
                // TensorFlow's engine is a feature installed on the first model that needs it.
                continue;
            }
            assertTrue(meta.contains("Meta type informations for pid: " + pid), pid + " has metatype:\n" + meta);
            assertTrue(meta.lines().count() > 3, pid + " lists its settings:\n" + meta);
            assertFalse(unresolvedKey.matcher(meta).find(), pid + " shows a localization key:\n" + meta);
        }
    }

    @Test
    void theBackendBundleUpdatesFiveTimesUnderTrafficWithoutAFailedRequest() throws Exception {
        String infer = "/v2/models/simple_linear/infer";
        String request = input("INPUT__0", "[1,3]", "FP32", "[1,2,3]");
        assertEquals(200, server.call("POST", infer, request).status());
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<List<String>>> traffic = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            traffic.add(clients.submit(() -> {
                List<String> failures = new ArrayList<>();
                int answered = 0;
                while (running.get()) {
                    Reply reply = server.call("POST", infer, request);
                    if (reply.status() != 200 || !JSON.readTree(reply.body()).get("outputs").get(0).get("data")
                            .toString().equals("[8.0,2.0]")) {
                        failures.add(reply.status() + " " + reply.body());
                    }
                    answered++;
                }
                failures.add(0, "answered " + answered);
                return failures;
            }));
        }

        // In-flight requests finish on the old backend; requests arriving meanwhile wait for the new one.
        for (int update = 0; update < 5; update++) {
            Thread.sleep(300);
            server.console("bundle:update org.gantry.backend.torchscript");
        }
        Thread.sleep(1000);
        running.set(false);

        for (java.util.concurrent.Future<List<String>> client : traffic) {
            List<String> outcome = client.get(2, java.util.concurrent.TimeUnit.MINUTES);
            assertEquals(1, outcome.size(), "failed requests: " + outcome);
        }
        clients.shutdown();
        JsonNode memory = JSON.readTree(server.call("GET", "/v2/memory", null).body()).get("devices").get(0);
        long leases = 0;
        for (JsonNode model : memory.get("models")) {
            leases += model.get("name").asText().equals("simple_linear") ? 1 : 0;
        }
        assertEquals(1, leases, "one lease for the one loaded copy, none leaked: " + memory);
    }

    private static JsonNode versionStatistics() throws Exception {
        return JSON.readTree(server.call("GET", "/v2/models/versioned_scale/versions/2/stats", null).body())
                .get("model_stats").get(0);
    }

    private static long count(JsonNode stats, String kind) {
        return stats.get("inference_stats").get(kind).get("count").asLong();
    }

    private static String input(String name, String shape, String datatype, String data) {
        return "{\"inputs\":[{\"name\":\"" + name + "\",\"shape\":" + shape + ",\"datatype\":\"" + datatype
                + "\",\"data\":" + data + "}]}";
    }

    private static void assertOutputs(JsonNode expected, JsonNode actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = actual.get(i);
            assertEquals(want.get("name").asText(), got.get("name").asText());
            assertEquals(want.get("shape"), got.get("shape"));
            for (int j = 0; j < want.get("data").size(); j++) {
                assertEquals(want.get("data").get(j).asDouble(), got.get("data").get(j).asDouble(), 1e-5,
                        "output " + want.get("name") + " element " + j);
            }
        }
    }
}
