package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

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
 * The server as an attacker or a careless client meets it, on the real distribution with both tokens set:
 * management behind the administrator token whatever form its path takes, answers during start-up, slow bodies,
 * and a fuzzer over every endpoint and method.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "security-admin-token";
    private static final String INFERENCE = "security-inference-token";
    private static final Map<String, String> AS_ADMIN = E2eRequests.bearer(ADMIN);
    private static final Map<String, String> AS_CLIENT = E2eRequests.bearer(INFERENCE);
    /** The forms of a path that Jersey may route to the same resource method as the plain one. */
    private static final List<String> PATH_FORMS = List.of("", "/", ";x=1", ";jsessionid=0123abcd", "/;", ";/");
    private static final String SIMPLE_REQUEST = E2eRequests.SIMPLE_LINEAR;

    private static Path addable;
    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        server = KarafServer.in("security").exampleModels("simple_linear", "versioned_scale", "token_scorer")
                .tokens(ADMIN, INFERENCE)
                .etc("org.gantry.rest.cfg", "maxRequestBytes = 1048576\nmaxTensorElements = 100000\n"
                        + "bodyRateGraceSeconds = 2\nminRequestBytesPerSecond = 1024\n")
                .start();
        addable = server.work().resolve("elsewhere/addable");
        E2eFiles.copy(E2eFiles.EXAMPLES.resolve("simple_linear"), addable);
    }

    private static Reply send(String method, String path, String json, Map<String, String> headers) {
        return server.send(method, path, json, headers);
    }

    private static JsonNode json(Reply reply) {
        try {
            return JSON.readTree(reply.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + reply.status() + "): " + reply.body(), e);
        }
    }

    /** Whether a version of the model is resident: the index says so (readiness says whether a request is served). */
    private static boolean isLoaded(String model) {
        for (JsonNode entry : json(send("POST", "/v2/repository/index", "{\"ready\": true}", AS_ADMIN))) {
            if (entry.get("name").asText().equals(model)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPinned(String model) {
        for (JsonNode device : json(send("GET", "/v2/memory", null, AS_ADMIN)).get("devices")) {
            for (JsonNode lease : device.get("models")) {
                if (lease.get("name").asText().equals(model) && lease.get("pinned").asBoolean()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isAdded(String model) {
        return send("GET", "/models/" + model, null, AS_ADMIN).status() == 200;
    }

    private static void ok(Reply reply) {
        assertEquals(200, reply.status(), reply.body());
    }

    /** One management action: what it does, how to tell that it happened, and how to undo it. */
    private record Management(String name, Function<String, Reply> act, BooleanSupplier happened, Runnable undo) {
    }

    /** Every management endpoint, each taking the path form to use and sending the given headers. */
    private static List<Management> managements(Map<String, String> headers) {
        String override = "{\"parameters\":{\"config\":{\"name\":\"versioned_scale\",\"platform\":"
                + "\"pytorch_libtorch\",\"max_batch_size\":0,\"version_policy\":{\"latest\":{\"num_versions\":1}},"
                + "\"input\":[{\"name\":\"INPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}],"
                + "\"output\":[{\"name\":\"OUTPUT__0\",\"data_type\":\"TYPE_FP32\",\"dims\":[-1]}]}}}";
        return List.of(
                new Management("unload", form -> send("POST", "/v2/repository/models/simple_linear/unload" + form,
                        "{}", headers), () -> !isLoaded("simple_linear"),
                        () -> ok(send("POST", "/v2/repository/models/simple_linear/load", "{}", AS_ADMIN))),
                new Management("load with a config override",
                        form -> send("POST", "/v2/repository/models/versioned_scale/load" + form, override, headers),
                        () -> isLoaded("versioned_scale"),
                        () -> ok(send("POST", "/v2/repository/models/versioned_scale/unload", "{}", AS_ADMIN))),
                new Management("pin", form -> send("POST", "/v2/memory/models/simple_linear/pin" + form, "", headers),
                        () -> isPinned("simple_linear"),
                        () -> ok(send("POST", "/v2/memory/models/simple_linear/unpin", "", AS_ADMIN))),
                new Management("SageMaker add", form -> send("POST", "/models" + form,
                        "{\"model_name\":\"sneaky\",\"url\":\"" + addable + "\"}", headers), () -> isAdded("sneaky"),
                        () -> ok(send("DELETE", "/models/sneaky", null, AS_ADMIN))));
    }

    @Test
    @Order(1)
    void startingAnswersServiceUnavailableInJsonUntilReadyAndNever500() {
        List<Reply> replies = server.startupReplies();
        assertFalse(replies.isEmpty());
        for (Reply reply : replies) {
            assertTrue(reply.status() == 200 || reply.status() == 503, reply.status() + " " + reply.body());
            assertTrue(reply.contentType().startsWith("application/json"), reply.contentType() + " " + reply.body());
            if (reply.status() == 503) { // the start-up gate's error, or readiness saying not yet (backends booting)
                assertTrue(json(reply).has("error") || reply.body().equals("{\"ready\":false}"), reply.body());
            }
        }
    }

    @Test
    @Order(1)
    void secretsAreTheServersAloneAndNoShutdownPortListens() throws IOException {
        for (String secret : List.of("etc/org.gantry.rest.cfg", "etc/users.properties", "etc/config.properties")) {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files.getPosixFilePermissions(
                    server.home().resolve(secret));
            assertTrue(permissions.stream().allMatch(p -> p.name().startsWith("OWNER")), secret + " " + permissions);
        }
        assertFalse(Files.exists(server.home().resolve("data/port")), "Karaf wrote a shutdown port");
    }

    @Test
    @Order(2)
    void managementNeedsTheAdministratorTokenWhateverFormItsPathTakes() {
        ok(send("POST", "/v2/repository/models/simple_linear/load", "{}", AS_ADMIN));
        ok(send("POST", "/models", "{\"model_name\":\"kept\",\"url\":\"" + addable + "\"}", AS_ADMIN));
        int refused = 0;
        for (Map<String, String> headers : List.of(Map.<String, String>of(), AS_CLIENT,
                Map.of("Authorization", "Bearer " + ADMIN + "x"))) {
            for (String form : PATH_FORMS) {
                for (Management management : managements(headers)) {
                    Reply reply = management.act().apply(form);
                    String label = management.name() + " at form '" + form + "' with " + headers;
                    assertTrue(reply.status() == 401 || reply.status() == 404 || reply.status() == 405,
                            label + " → " + reply.status() + " " + reply.body());
                    assertTrue(json(reply).has("error"), label);
                    assertFalse(management.happened().getAsBoolean(), label + " took effect");
                    refused++;
                }
                Reply remove = send("DELETE", "/models/kept" + form, null, headers);
                assertTrue(remove.status() == 401 || remove.status() == 404, form + " → " + remove.body());
                assertTrue(isAdded("kept"), "SageMaker remove at form '" + form + "' took effect");
            }
        }
        assertEquals(3 * PATH_FORMS.size() * 4, refused);
    }

    @Test
    @Order(3)
    void theAdministratorTokenManagesThroughEveryFormThatReachesTheEndpoint() {
        for (Management management : managements(AS_ADMIN)) {
            int served = 0;
            for (String form : PATH_FORMS) {
                Reply reply = management.act().apply(form);
                String label = management.name() + " at form '" + form + "'";
                if (reply.status() == 200) {
                    assertTrue(management.happened().getAsBoolean(), label + " answered 200 without effect");
                    management.undo().run();
                    served++;
                } else {
                    assertTrue(reply.status() == 404 || reply.status() == 405, label + " → " + reply.body());
                    assertFalse(management.happened().getAsBoolean(), label + " refused but took effect");
                }
            }
            assertTrue(served >= 1, management.name() + " never served");
        }
        ok(send("DELETE", "/models/kept", null, AS_ADMIN));
        assertFalse(isAdded("kept"));
    }

    @Test
    @Order(4)
    void aBodyTrickledSlowerThanTheMinimumRateIs408AndOthersAreServedMeanwhile() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", server.ports().http())) {
            OutputStream out = slow.getOutputStream();
            out.write(("POST /v2/models/simple_linear/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INFERENCE
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            slow.setSoTimeout(200);
            String answer = "";
            for (int second = 0; second < 20 && answer.isEmpty(); second++) {
                try {
                    out.write('[');
                    out.flush();
                } catch (IOException closed) {
                    // the server has answered and closed: read the answer below
                }
                assertEquals(200, send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, AS_CLIENT).status());
                try {
                    byte[] buffer = new byte[4096];
                    int read = slow.getInputStream().read(buffer);
                    answer = read > 0 ? new String(buffer, 0, read, StandardCharsets.ISO_8859_1) : answer;
                } catch (java.net.SocketTimeoutException notYet) {
                    Thread.sleep(800);
                }
            }
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("{\"error\":\"the request body arrived at"), answer);
        }
    }

    /** The forms of path and header that Jetty refuses before the API sees them, and other malformed requests. */
    @Test
    @Order(5)
    void malformedRequestsGetAClientErrorInJsonAndTheServerKeepsServing() throws Exception {
        String auth = "Authorization: Bearer " + ADMIN;
        String json = "Content-Type: application/json";
        List<byte[]> requests = new ArrayList<>();
        String infer = "POST /v2/models/simple_linear/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth;
        requests.add(RawHttp.request(infer + "\r\nTransfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n".getBytes()));
        requests.add(RawHttp.request(infer + "\r\nTransfer-Encoding: chunked", "12345678901234567\r\nab\r\n0\r\n\r\n"
                .getBytes()));
        requests.add(RawHttp.request(infer + "\r\nContent-Length: 99999999999", "{".getBytes()));
        requests.add(RawHttp.request(infer + "\r\nContent-Length: 4294967296", "{".getBytes()));
        requests.add(RawHttp.request(infer + "\r\nContent-Length: abc", "{}".getBytes()));
        requests.add(RawHttp.request(infer + "\r\nContent-Length: -5", "{}".getBytes()));
        requests.add(RawHttp.request(infer + "\r\n" + json + "\r\nContent-Length: 2000000", new byte[0]));
        for (String path : List.of("/v2/models/a%2Fb/ready", "/v2/models/%00/ready", "/v2/models/%ff%fe/ready",
                "/v2/models/..%2F..%2Fetc/ready", "/v2/models/" + "a".repeat(20000) + "/ready", "/%",
                "/v2/models/%zz")) {
            requests.add(RawHttp.request("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth,
                    new byte[0]));
        }
        requests.add(RawHttp.request("GET /v2/models/\u00ff\u00fe/ready HTTP/1.1\r\nHost: x\r\nConnection: close",
                new byte[0]));
        requests.add(RawHttp.request("GET /v2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "a".repeat(40000),
                new byte[0]));
        for (byte[] request : requests) {
            RawHttp.Response response = RawHttp.exchange(server.ports().http(), request, 10_000);
            String label = new String(request, 0, Math.min(request.length, 120), StandardCharsets.ISO_8859_1);
            assertClientError(label, response.status(), response.header("content-type"), response.text());
        }
        assertServing();
    }

    /**
     * A fuzzer: every endpoint with every method, with bodies, binary headers and paths mutated from valid ones
     * by a fixed seed. Each answer must be a success or a client error with a JSON error (never a 5xx), and a valid
     * request must be answered right after each round.
     */
    @Test
    @Order(6)
    void fuzzedRequestsOnEveryEndpointNeverGetA5xxAndNeverStopTheServer() throws Exception {
        java.util.Random random = new java.util.Random(20261202);
        List<String> paths = List.of("/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/simple_linear",
                "/v2/models/simple_linear/versions/1", "/v2/models/stats", "/v2/models/simple_linear/stats",
                "/v2/models/simple_linear/ready", "/v2/models/simple_linear/infer",
                "/v2/models/simple_linear/versions/1/infer", "/v2/models/simple_linear/generate",
                "/v2/models/simple_linear/generate_stream", "/v2/models/simple_linear/config",
                "/v2/repository/index", "/v2/repository/models/token_scorer/load",
                "/v2/repository/models/token_scorer/unload", "/v2/memory", "/v2/memory/models/simple_linear/pin",
                "/v2/memory/models/simple_linear/unpin", "/ping", "/invocations", "/models", "/models/simple_linear",
                "/models/simple_linear/invoke", "/metrics", "/openapi.json", "/v2/models/unknown/infer");
        List<String> methods = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
        List<String> bodies = List.of("", "{", "}", "[]", "null", "\"x\"", "{\"inputs\":", "{\"inputs\":null}",
                "{\"inputs\":[{}]}", "{\"inputs\":[{\"name\":1}]}", "{\"a\":1,\"a\":2}", "[".repeat(5000),
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1e30],\"datatype\":\"FP32\",\"data\":[1]}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[-1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP99\",\"data\":[1,2,3]}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP16\",\"data\":[1e9,2,3]}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[\"a\",2,3]}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\",\"binary_data_size\":-4}]}",
                "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\",\"binary_data_size\":99}]}",
                "{\"parameters\":{\"config\":{\"max_batch_size\":\"many\"}}}",
                "{\"parameters\":{\"file:../x\":\"AA==\"}}",
                "{\"parameters\":{\"config\":\"{\",\"file:1/a\":\"%%%\"}}",
                "{\"model_name\":\"m\",\"url\":\"relative\"}",
                "{\"model_name\":\"\",\"url\":\"/nonexistent\"}", "{\"text_input\":5,\"max_tokens\":\"x\"}",
                "{\"ready\":\"yes\"}", "\u0000\u0001\u0002", "{\"id\":\"\uD800\"}",
                SIMPLE_REQUEST.replace("1,2,3", "1,2"),
                SIMPLE_REQUEST.substring(0, 40));
        List<String> headerSets = List.of("", "Inference-Header-Content-Length: -1",
                "Inference-Header-Content-Length: abc",
                "Inference-Header-Content-Length: 99999999", "Inference-Header-Content-Length: 0",
                "Content-Type: application/vnd.sagemaker-triton.binary+json;json-header-size=abc",
                "X-Amzn-SageMaker-Target-Model: ../../etc", "Content-Type: text/plain", "Accept: text/html",
                "Content-Encoding: gzip", "Expect: 100-continue", "Authorization: Bearer " + INFERENCE);
        int requests = 0;
        for (int round = 0; round < 25; round++) {
            for (int i = 0; i < 24; i++) {
                String method = methods.get(random.nextInt(methods.size()));
                String path = mutatePath(paths.get(random.nextInt(paths.size())), random);
                String body = bodies.get(random.nextInt(bodies.size()));
                String extra = headerSets.get(random.nextInt(headerSets.size()));
                boolean admin = !extra.startsWith("Authorization") && random.nextInt(5) > 0;
                byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder(method).append(' ').append(path)
                        .append(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json");
                if (admin) {
                    head.append("\r\nAuthorization: Bearer ").append(ADMIN);
                }
                if (!extra.isEmpty()) {
                    head.append("\r\n").append(extra);
                }
                head.append("\r\nContent-Length: ").append(bodyBytes.length);
                RawHttp.Response response = RawHttp.exchange(server.ports().http(),
                        RawHttp.request(head.toString(), bodyBytes),
                        30_000);
                requests++;
                String label = head.toString().replace("\r\n", " | ") + " | body " + body.substring(0,
                        Math.min(body.length(), 80));
                if (response.status() >= 400 || response.status() < 200) {
                    if (!method.equals("HEAD")) {
                        assertClientError(label, response.status(), response.header("content-type"), response.text());
                    } else {
                        assertTrue(response.status() < 500, label + " → " + response.status());
                    }
                }
            }
            assertServing();
        }
        assertEquals(600, requests);
    }

    private static String mutatePath(String path, java.util.Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> path + "/";
            case 1 -> path + ";x=1";
            case 2 -> path.replace("simple_linear", "simple%5Flinear");
            case 3 -> path + "?limit=abc&next_page_token=%ff";
            case 4 -> path.replace("/v2/", "/v2//");
            default -> path;
        };
    }

    private static void assertClientError(String label, int status, String contentType, String body) {
        if (status < 400 || status >= 500) {
            fail(label + " → " + status + " " + body);
        }
        assertTrue(contentType != null && contentType.startsWith("application/json"),
                label + " → " + status + " " + contentType + " " + body);
        try {
            assertTrue(JSON.readTree(body).has("error"), label + " → " + body);
        } catch (IOException e) {
            fail(label + " → not JSON: " + body);
        }
    }

    private static void assertServing() {
        Reply reply = send("POST", "/v2/models/simple_linear/infer", SIMPLE_REQUEST, AS_CLIENT);
        assertEquals(200, reply.status(), reply.body());
        assertTrue(reply.body().contains("\"data\":[8.0,2.0]"), reply.body());
    }
}
