package org.gantry.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.gantry.api.backend.Backend;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The server inside a real Felix framework: bundles installed and resolved, the TorchScript backend
 * registered as a service, an example model loaded on its first request and run over HTTP, and the backend
 * bundle stopped and started again while the server keeps running.
 */
@ExtendWith({ BundleContextExtension.class, ServiceExtension.class })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GantryServerTest {

    private static final String BACKEND_BUNDLE = "org.gantry.backend.torchscript";
    private static final String SIMPLE_INFER = "{\"id\":\"itest\",\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],"
            + "\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void configure(@InjectService ConfigurationAdmin configAdmin) throws Exception {
        ItestServer.configure(configAdmin);
    }

    @Test
    @Order(1)
    void theTorchScriptBackendIsAService(@InjectService(timeout = 60_000, filter = "(component.name=org.gantry.backend"
            + ".torchscript.internal.TorchScriptBackend)") Backend backend) {
        assertEquals("pytorch", backend.name());
        assertTrue(backend.platforms().contains("pytorch_libtorch"), backend.platforms().toString());
    }

    @Test
    @Order(2)
    void aModelLoadsOnItsFirstRequestAndAnswersOverHttp(@InjectService ModelServer server) throws Exception {
        HttpResponse<String> response = post("/v2/models/simple_linear/infer", SIMPLE_INFER);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("itest", body.get("id").asText());
        assertEquals("simple_linear", body.get("model_name").asText());
        JsonNode output = body.get("outputs").get(0);
        assertEquals("OUTPUT__0", output.get("name").asText());
        assertEquals(List.of(1, 2), JSON.convertValue(output.get("shape"), List.class));
        assertEquals(8.0, output.get("data").get(0).asDouble(), 1e-6);
        assertEquals(2.0, output.get("data").get(1).asDouble(), 1e-6);
        assertTrue(server.isModelReady("simple_linear", null));

        // The loaded model holds a measured lease on the host, visible in the memory view.
        JsonNode memory = JSON.readTree(get("/v2/memory").body());
        JsonNode host = memory.get("devices").get(0);
        assertEquals("cpu", host.get("name").asText());
        assertTrue(host.get("budget_bytes").asLong() > 0 && host.get("capacity_bytes").asLong() > 0, host.toString());
        JsonNode lease = host.get("models").get(0);
        assertEquals("simple_linear", lease.get("name").asText());
        assertEquals("RESIDENT", lease.get("state").asText());
        assertTrue(lease.get("bytes").asLong() >= 8 * 4, "at least W (3x2) and b (2) as FP32: " + lease);
        assertEquals(lease.get("bytes").asLong(), host.get("used_bytes").asLong());

        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(metrics.body().contains("gantry_model_cold_starts_total{model=\"simple_linear\"} 1.0"),
                metrics.body());
        assertTrue(metrics.body().contains("gantry_device_used_bytes{device=\"cpu\"} " + lease.get("bytes").asLong()),
                metrics.body());
        assertTrue(metrics.body().contains(
                "gantry_inference_requests_total{model=\"simple_linear\",status=\"success\",version=\"1\"} 1.0"),
                metrics.body());
    }

    @Test
    @Order(3)
    void stoppingTheBackendBundleMakesItsModelsUnavailableWithAReason(@InjectBundleContext BundleContext context,
            @InjectService ModelServer server) throws Exception {
        Bundle backend = bundle(context, BACKEND_BUNDLE);
        backend.stop();
        try {
            assertEquals(503, get("/v2/models/simple_linear/ready").statusCode());
            ModelStatus status = server.index().stream().filter(s -> s.name().equals("simple_linear")).findFirst()
                    .orElseThrow();
            assertEquals(0, JSON.readTree(get("/v2/memory").body()).get("devices").get(0).get("used_bytes").asLong(),
                    "the unloaded model's lease was released");
            assertEquals(ModelState.UNAVAILABLE, status.state());
            assertTrue(status.reason().contains("backend 'pytorch' was stopped"), status.reason());

            HttpResponse<String> refused = post("/v2/models/simple_linear/infer", SIMPLE_INFER);
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(JSON.readTree(refused.body()).get("error").asText().contains("no backend for platform"),
                    refused.body());
            Collection<ServiceReference<Backend>> backends = context.getServiceReferences(Backend.class, null);
            assertTrue(backends.stream().map(context::getService).noneMatch(b -> b.name().equals("pytorch")),
                    "no TorchScript Backend service while the bundle is stopped");
        } finally {
            backend.start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> again;
        do {
            again = post("/v2/models/simple_linear/infer", SIMPLE_INFER);
        } while (again.statusCode() == 503 && System.nanoTime() < deadline && pause());
        assertEquals(200, again.statusCode(), again.body());
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }

    private static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return ItestServer.get(path);
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return ItestServer.post(path, body);
    }
}
