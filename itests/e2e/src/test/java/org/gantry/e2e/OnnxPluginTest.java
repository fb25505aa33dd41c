package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A third-party backend, built against Gantry's API bundle alone and in none of Gantry's features (the ONNX
 * Runtime example in plugins/example/onnxruntime), dropped into deploy/ of the real distribution.
 */
class OnnxPluginTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[1,-2,0.5,-0.5]}]}";
    @AutoClose
    private static KarafServer server;

    @BeforeAll
    static void start() throws Exception {
        server = KarafServer.in("onnx").models(Path.of("src/test/resources/onnx").toAbsolutePath()).start();
    }

    private static JsonNode indexEntry(String model) throws Exception {
        for (JsonNode entry : JSON.readTree(server.call("POST", "/v2/repository/index", "{}").body())) {
            if (entry.get("name").asText().equals(model)) {
                return entry;
            }
        }
        throw new AssertionError("no " + model + " in the index");
    }

    @Test
    void thePluginDroppedIntoDeployServesOnnxModelsAndTheyGoWithIt() throws Exception {
        Reply before = server.call("POST", "/v2/models/affine_onnx/infer", REQUEST);
        assertEquals(503, before.status());
        assertTrue(before.body().contains("no backend for platform 'onnxruntime_onnx'"), before.body());

        Path plugin = Path.of(System.getProperty("gantry.onnx.plugin"));
        Path dropped = server.home().resolve("deploy").resolve(plugin.getFileName());
        Files.copy(plugin, dropped.resolveSibling(plugin.getFileName() + ".part"));
        Files.move(dropped.resolveSibling(plugin.getFileName() + ".part"), dropped, StandardCopyOption.ATOMIC_MOVE);

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        Reply reply = server.call("POST", "/v2/models/affine_onnx/infer", REQUEST);
        while (reply.status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            reply = server.call("POST", "/v2/models/affine_onnx/infer", REQUEST);
        }
        assertEquals(200, reply.status(), reply.body());
        assertEquals("[3.0,0.0,2.0,0.0]", JSON.readTree(reply.body()).get("outputs").get(0).get("data").toString());
        JsonNode config = JSON.readTree(server.call("GET", "/v2/models/affine_onnx/config", null).body());
        assertEquals("[4]", config.get("input").get(0).get("dims").toString(), "completed from the graph");
        String backends = server.console("gantry:backends");
        assertTrue(backends.lines().anyMatch(line -> line.startsWith("onnxruntime")), backends);

        Files.delete(dropped);
        deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        JsonNode entry = indexEntry("affine_onnx");
        while (entry.get("state").asText().equals("READY") && System.nanoTime() < deadline) {
            Thread.sleep(250);
            entry = indexEntry("affine_onnx");
        }
        assertEquals("UNAVAILABLE", entry.get("state").asText());
        assertTrue(entry.get("reason").asText().contains("backend 'onnxruntime' was stopped"), entry.toString());
    }
}
