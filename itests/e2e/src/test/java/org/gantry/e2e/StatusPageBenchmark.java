package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * How the status page copes with a large fleet: 1,000 models in the repository (hard-linked copies of the
 * token_scorer example), 300 of them resident, the page open in headless Chromium. Measures the snapshot endpoint
 * (time and size), the page's first load (navigation to the first full drawing) and its updates (fetch and drawing,
 * every 2 s). A benchmark, not a test: surefire's default includes skip it; {@code bench/status-page.sh} runs it
 * and writes {@code bench/results/status-page.json}.
 */
class StatusPageBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int MODELS = Integer.getInteger("gantry.bench.models", 1000);
    private static final int RESIDENT = Integer.getInteger("gantry.bench.resident", 300);
    private static final int SNAPSHOTS = 30;
    private static final int UPDATES = 15;

    @Test
    void statusPageWithAThousandModelsAndThreeHundredResident() throws Exception {
        Path work = Files.createDirectories(Path.of(System.getProperty("gantry.e2e.work")).resolve("status-bench"));
        Path example = Path.of(System.getProperty("gantry.examples")).resolve("token_scorer");
        Path models = work.resolve("models");
        String config = Files.readString(example.resolve("config.pbtxt"));
        for (int i = 0; i < MODELS; i++) {
            String name = String.format("model_%04d", i);
            Path version = Files.createDirectories(models.resolve(name).resolve("1"));
            Files.writeString(version.getParent().resolve("config.pbtxt"), config.replace("\"token_scorer\"",
                    "\"" + name + "\""));
            if (!Files.exists(version.resolve("model.pt"))) {
                Files.createLink(version.resolve("model.pt"), example.resolve("1/model.pt"));
            }
        }
        Map<String, Object> results = new LinkedHashMap<>();
        // Footprints from the archive (256 bytes each): measuring native memory per load is noise at this scale.
        try (KarafServer server = KarafServer.in(work).models(models).environment("GANTRY_MEMORY_HOST_BUDGET", "64MiB")
                .etcEdited("org.gantry.runtime.cfg",
                        runtime -> runtime.replace("measureLoadOverhead = true", "measureLoadOverhead = false"))
                .start()) {
            long loading = System.nanoTime();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<Integer>> loads = new ArrayList<>();
            for (int i = 0; i < RESIDENT; i++) {
                String name = String.format("model_%04d", i);
                loads.add(clients.submit(() -> infer(server, name).status()));
            }
            for (Future<Integer> load : loads) {
                assertEquals(200, load.get());
            }
            clients.shutdown();
            results.put("models", MODELS);
            results.put("resident", RESIDENT);
            results.put("load_seconds_for_resident", (System.nanoTime() - loading) / 1e9);

            List<Double> snapshotMillis = new ArrayList<>();
            int bytes = 0;
            for (int i = 0; i < SNAPSHOTS; i++) {
                long started = System.nanoTime();
                Reply snapshot = server.call("GET", "/status/api/snapshot", null);
                snapshotMillis.add((System.nanoTime() - started) / 1e6);
                assertEquals(200, snapshot.status());
                bytes = snapshot.bytes().length;
                if (i == 0) {
                    JsonNode body = JSON.readTree(snapshot.body());
                    assertEquals(MODELS, body.get("models").size());
                    assertEquals(RESIDENT, body.get("devices").get(0).get("leases").size());
                }
            }
            results.put("snapshot_ms", summary(snapshotMillis));
            results.put("snapshot_bytes", bytes);

            try (HeadlessChromium browser = HeadlessChromium.start(work, 1440, 900)) {
                browser.navigate("http://127.0.0.1:" + server.ports().http() + "/status/");
                browser.awaitTrue("window.gantryStatus && window.gantryStatus.ready", Duration.ofSeconds(60));
                results.put("page_first_ready_ms", browser.evaluate("window.gantryStatus.firstReadyMs").asDouble());
                results.put("table_rows", browser.evaluate("document.querySelectorAll('#models tr').length").asInt());
                results.put("lease_blocks", browser.evaluate("document.querySelectorAll('#devices .lease').length")
                        .asInt());
                // Traffic while the page updates, so rates and last-use change between updates.
                browser.awaitTrue("window.gantryStatus.updates >= " + UPDATES + " + 1", Duration.ofSeconds(
                        UPDATES * 4L + 10));
                JsonNode history = browser.evaluate("window.gantryStatus.history.slice(1)");
                List<Double> fetch = new ArrayList<>();
                List<Double> render = new ArrayList<>();
                history.forEach(update -> {
                    fetch.add(update.get("fetchMs").asDouble());
                    render.add(update.get("renderMs").asDouble());
                });
                results.put("update_fetch_ms", summary(fetch));
                results.put("update_render_ms", summary(render));
                long filtering = System.nanoTime();
                browser.evaluate("document.getElementById('search').value = 'model_02';"
                        + " document.getElementById('search').dispatchEvent(new Event('input')); true");
                results.put("filter_keystroke_ms_including_devtools_round_trip", (System.nanoTime() - filtering) / 1e6);
                browser.screenshot(Path.of(System.getProperty("gantry.screenshots", "target/status-page"))
                        .resolve("status-page-1000-models.png"));
                assertEquals(List.of(), browser.problems());
            }
        }
        String report = JSON.writeValueAsString(results);
        System.out.println("Status page benchmark: " + report);
        String out = System.getProperty("gantry.bench.out");
        if (out != null) {
            Files.writeString(Path.of(out), report + "\n", StandardCharsets.UTF_8);
        }
        assertTrue(results.containsKey("update_render_ms"));
    }

    private static Reply infer(KarafServer server, String model) {
        return server.exchange("POST", "/v2/models/" + model + "/infer", ("{\"inputs\": ["
                + "{\"name\": \"token_ids\", \"shape\": [1, 4], \"datatype\": \"INT64\", \"data\": [3, 5, 0, 9]},"
                + "{\"name\": \"token_weights\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 0.5, 2, -1]}"
                + "]}").getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }

    /** Median, 95th percentile and maximum, in milliseconds. */
    private static Map<String, Double> summary(List<Double> millis) {
        List<Double> sorted = millis.stream().sorted().toList();
        Map<String, Double> summary = new LinkedHashMap<>();
        summary.put("median", sorted.get(sorted.size() / 2));
        summary.put("p95", sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.95) - 1)));
        summary.put("max", sorted.get(sorted.size() - 1));
        summary.put("samples", (double) sorted.size());
        return summary;
    }
}
