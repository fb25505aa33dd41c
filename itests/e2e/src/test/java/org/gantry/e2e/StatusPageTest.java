package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.gantry.e2e.KarafServer.Reply;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What an operator sees: the distribution started with an inference token and a small host budget, a repository of
 * forty copies of a small TorchScript model and one broken one, traffic that loads models until the budget evicts one, and
 * then the status page in headless Chromium (Debian's, over the DevTools protocol), the status data's access
 * control, and the Grafana dashboard's metrics against a real scrape. Screenshots go to
 * {@code target/status-page/}.
 */
class StatusPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = E2eFiles.EXAMPLES;
    private static final Path SCREENSHOTS = Path.of(System.getProperty("gantry.screenshots", "target/status-page"));
    private static final Path DASHBOARD = Path.of(System.getProperty("gantry.dashboard",
            "../../deploy/grafana/gantry.json"));
    private static final String TOKEN = "status-page-test-token";
    private static final int FLEET = 40;
    /**
     * A fleet model reserves 1.5 × its 2,234-byte artifact while it loads and then holds its 256 bytes of tensors
     * (measured from the archive: the test turns off measuring the host's native memory, which is noisy at this
     * scale), so about eighteen fit and the next load evicts.
     */
    private static final String HOST_BUDGET = "8KiB";
    private static final Pattern METRIC = Pattern.compile("\\bgantry_[a-zA-Z0-9_:]+");

    private static Path work;
    @AutoClose
    private static KarafServer server;
    private static int nextModel;

    @BeforeAll
    static void startAndEvict() throws Exception {
        work = E2eFiles.workFolder("status");
        Path models = fleetRepository(work.resolve("models"));
        server = KarafServer.in(work).models(models).environment("GANTRY_MEMORY_HOST_BUDGET", HOST_BUDGET)
                .environment("GANTRY_INFERENCE_TOKEN", TOKEN).etcEdited("org.gantry.runtime.cfg",
                        runtime -> runtime.replace("measureLoadOverhead = true", "measureLoadOverhead = false"))
                .start();
        evictAtLeastOnceMore();
        Reply broken = infer("broken");
        assertEquals(503, broken.status(),
                "a model whose artifact is no TorchScript cannot be served: " + broken.body());
        for (int i = 0; i < 5; i++) {
            assertEquals(200, infer(fleetModel(nextModel - 1)).status());
        }
    }

    /** Copies of the token_scorer example under other names, and a model whose artifact is not TorchScript. */
    private static Path fleetRepository(Path root) throws IOException {
        Path example = EXAMPLES.resolve("token_scorer");
        String config = Files.readString(example.resolve("config.pbtxt"));
        for (int i = 0; i < FLEET; i++) {
            Path model = Files.createDirectories(root.resolve(fleetModel(i)).resolve("1"));
            Files.writeString(model.getParent().resolve("config.pbtxt"),
                    config.replace("\"token_scorer\"", "\"" + fleetModel(i) + "\""));
            Files.copy(example.resolve("1/model.pt"), model.resolve("model.pt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path broken = Files.createDirectories(root.resolve("broken").resolve("1"));
        Files.writeString(broken.getParent().resolve("config.pbtxt"), config.replace("\"token_scorer\"", "\"broken\""));
        Files.writeString(broken.resolve("model.pt"), "these are not the weights you are looking for");
        return root;
    }

    private static String fleetModel(int i) {
        return String.format("fleet_%02d", i);
    }

    private static Map<String, String> bearer() {
        return E2eRequests.bearerJson(TOKEN);
    }

    private static Reply infer(String model) {
        return server.exchange("POST", "/v2/models/" + model + "/infer", ("{\"inputs\": ["
                + "{\"name\": \"token_ids\", \"shape\": [1, 4], \"datatype\": \"INT64\", \"data\": [3, 5, 0, 9]},"
                + "{\"name\": \"token_weights\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, 0.5, 2, -1]}"
                + "]}").getBytes(StandardCharsets.UTF_8), bearer());
    }

    private static JsonNode memory() throws IOException {
        Reply reply = server.exchange("GET", "/v2/memory", null, bearer());
        assertEquals(200, reply.status(), reply.body());
        return JSON.readTree(reply.body());
    }

    /** Sends requests to models not loaded yet, each loading on demand, until the budget has evicted one more. */
    private static long evictAtLeastOnceMore() throws IOException {
        long before = memory().get("evictions").asLong();
        while (memory().get("evictions").asLong() == before) {
            assertTrue(nextModel < FLEET, "the budget of " + HOST_BUDGET + " evicted nothing: " + memory());
            Reply reply = infer(fleetModel(nextModel++));
            assertEquals(200, reply.status(), reply.body());
        }
        return memory().get("evictions").asLong();
    }

    @Test
    void thePageShowsDevicesModelsAndALiveTimelineOfLoadsEvictionsAndFailures() throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(work, 1440, 900)) {
            browser.navigate("http://127.0.0.1:" + port() + "/status/");
            browser.awaitTrue("!document.getElementById('token').hidden",
                    Duration.ofSeconds(30));
            browser.screenshot(SCREENSHOTS.resolve("status-token-prompt.png"));

            browser.evaluate("document.getElementById('token-input').value = '" + TOKEN + "';"
                    + " document.getElementById('token-form').requestSubmit(); true");
            browser.awaitTrue("window.gantryStatus.ready && document.getElementById('token').hidden",
                    Duration.ofSeconds(30));
            assertEquals(TOKEN, browser.evaluate("sessionStorage.getItem('gantry.status.token')").asText(),
                    "the token is kept for the tab");
            assertFalse(browser.evaluate("location.href").asText().contains(TOKEN), "no token in the URL");

            JsonNode memory = memory();
            JsonNode cpu = memory.get("devices").get(0);
            browser.awaitTrue("document.querySelectorAll('#devices .device[data-device=\"cpu\"] .lease').length === "
                    + cpu.get("models").size(), Duration.ofSeconds(10));
            // The model list follows the runtime's index, which the server refreshes in the background: eventually.
            for (JsonNode lease : cpu.get("models")) {
                browser.awaitTrue(rowState(lease.get("name").asText()) + " === 'READY'", Duration.ofSeconds(10));
            }
            browser.awaitTrue(rowState("broken") + " === 'FAILED'", Duration.ofSeconds(10));
            assertEquals(Integer.toString(FLEET + 1), browser.evaluate(
                    "document.getElementById('count-models').textContent").asText());
            String evicted = browser.evaluate("document.querySelector('#events li[data-kind=\"evicted\"]')"
                    + ".dataset.model").asText();
            browser.awaitTrue(rowState(evicted) + " === 'UNAVAILABLE'", Duration.ofSeconds(10));
            browser.awaitTrue(eventText("evicted", evicted) + ".includes('to make room for')", Duration.ofSeconds(10));
            assertTrue(browser.evaluate(eventText("load_failed", "broken")).asText().contains("in phase deserialise"),
                    "the timeline says why broken failed: " + browser.evaluate(eventText("load_failed", "broken")));
            assertTrue(browser.evaluate(eventText("loaded", fleetModel(0))).asText().contains("cold start"));
            assertTrue(browser.evaluate("document.querySelector('#models tr[data-model=\"" + fleetModel(nextModel - 1)
                    + "\"] td:nth-child(7)').textContent !== '–'").asBoolean(), "the busiest model shows its rate");

            // The page follows the server without a reload: a new eviction appears in the timeline by itself.
            browser.evaluate("window.sameDocument = true; window.evictionsShown ="
                    + " document.querySelectorAll('#events li[data-kind=\"evicted\"]').length; true");
            long evictions = evictAtLeastOnceMore();
            browser.awaitTrue(
                    "document.querySelectorAll('#events li[data-kind=\"evicted\"]').length > window.evictionsShown"
                            + " && document.getElementById('count-evictions').textContent === '" + evictions + "'",
                    Duration.ofSeconds(15));
            assertTrue(browser.evaluate("window.sameDocument === true").asBoolean(), "updated without a reload");
            browser.evaluate("new Promise(done => setTimeout(done, 2500))"); // let the fresh-event highlight fade
            Path shot = browser.screenshot(SCREENSHOTS.resolve("status-page.png"));
            assertTrue(Files.size(shot) > 10_000, "a screenshot of the page: " + shot);

            browser.evaluate("document.querySelector('.filters button[data-filter=\"failed\"]').click(); true");
            assertEquals(1, browser.evaluate("document.querySelectorAll('#models tr').length").asInt(),
                    "the Failed filter leaves the broken model alone");
            browser.screenshot(SCREENSHOTS.resolve("status-page-failed-filter.png"));

            List<String> problems = new ArrayList<>(browser.problems());
            // Before the token was given, the browser logged the server's 401 for the data: that is the prompt's cue.
            problems.removeIf(p -> p.startsWith("log.error (network)") && p.contains("status of 401")
                    && p.contains("/status/api/snapshot"));
            assertEquals(List.of(), problems, "no console errors, exceptions or refused resources");
        }
    }

    private static String rowState(String model) {
        return "document.querySelector('#models tr[data-model=\"" + model + "\"]').dataset.state";
    }

    private static String eventText(String kind, String model) {
        return "document.querySelector('#events li[data-kind=\"" + kind + "\"][data-model=\"" + model + "\"]')"
                + ".textContent";
    }

    private static int port() {
        return server.ports().http();
    }

    @Test
    void thePageIsOpenButItsDataNeedsTheInferenceToken() throws Exception {
        Reply page = server.call("GET", "/status/", null);
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        assertTrue(page.header("Content-Security-Policy").startsWith("default-src 'self'"));
        for (String file : List.of("status.css", "status.js", "favicon.svg")) {
            assertEquals(200, server.call("GET", "/status/" + file, null).status(), file);
        }

        Reply anonymous = server.call("GET", "/status/api/snapshot", null);
        assertEquals(401, anonymous.status());
        assertTrue(anonymous.contentType().startsWith("application/json"));
        assertTrue(JSON.readTree(anonymous.body()).get("error").asText().contains("inference token"));
        Reply wrong = server.exchange("GET", "/status/api/snapshot", null, Map.of("Authorization", "Bearer nope"));
        assertEquals(401, wrong.status());
        Reply snapshot = server.exchange("GET", "/status/api/snapshot", null, bearer());
        assertEquals(200, snapshot.status(), snapshot.body());
        JsonNode body = JSON.readTree(snapshot.body());
        assertEquals(FLEET + 1, body.get("models").size());
        assertEquals("cpu", body.get("devices").get(0).get("name").asText());

        Reply unknown = server.call("GET", "/status/secrets.txt", null);
        assertEquals(404, unknown.status());
        assertTrue(JSON.readTree(unknown.body()).has("error"), unknown.body());
        Reply climbing = server.call("GET", "/status/..%2F..%2Fetc%2Fpasswd", null);
        assertTrue(climbing.status() == 400 || climbing.status() == 404, climbing.status() + " " + climbing.body());
        assertTrue(JSON.readTree(climbing.body()).has("error"), climbing.body());
    }

    @Test
    void gantryLoadSaysWhenTheModelIsLoaded() throws Exception {
        String output = server.console("gantry:load " + fleetModel(FLEET - 1));
        assertTrue(output.contains("Model '" + fleetModel(FLEET - 1) + "' is loaded"), output);
    }

    /** Every metric a dashboard panel (or variable) queries is in a scrape of the running server. */
    @Test
    void everyMetricTheGrafanaDashboardQueriesIsInTheScrape() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        collectQueries(dashboard, queries);
        assertTrue(queries.size() >= 20, "the dashboard's queries were found: " + queries);
        Set<String> queried = new TreeSet<>();
        for (String query : queries) {
            Matcher metric = METRIC.matcher(query);
            boolean any = false;
            while (metric.find()) {
                queried.add(metric.group());
                any = true;
            }
            assertTrue(any, "every query reads a Gantry metric: " + query);
        }

        Reply scrape = server.call("GET", "/metrics", null);
        assertEquals(200, scrape.status());
        Set<String> scraped = new TreeSet<>();
        try (Stream<String> lines = scrape.body().lines()) {
            lines.filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .forEach(line -> scraped.add(line.split("[{ ]", 2)[0]));
        }
        Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(scraped);
        assertEquals(Set.of(), missing, "queried by the dashboard but not in /metrics (scraped: " + scraped + ")");
        assertTrue(queried.containsAll(Set.of("gantry_model_evictions_total", "gantry_model_cold_starts_total",
                "gantry_inference_duration_seconds_bucket", "gantry_device_used_bytes")), queried.toString());
    }

    /** The PromQL of every target ({@code expr}) and variable ({@code definition}) in the dashboard. */
    private static void collectQueries(JsonNode node, List<String> queries) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if ((field.getKey().equals("expr") || field.getKey().equals("definition"))
                        && field.getValue().isTextual()) {
                    queries.add(field.getValue().asText());
                } else {
                    collectQueries(field.getValue(), queries);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectQueries(child, queries));
        }
    }
}
