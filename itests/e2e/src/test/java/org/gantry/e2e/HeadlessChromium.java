package org.gantry.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools protocol with Java's own HTTP client: one page, what
 * it logs (console calls, uncaught exceptions, the browser's own errors such as a failed load or a refused
 * Content-Security-Policy), JavaScript evaluated in it, and screenshots. No WebDriver and no dependency beyond the
 * JSON library the tests already use.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DEVTOOLS_URL = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Everything the page reported as a problem, as "kind: text". */
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser to run: {@code -Dgantry.chromium=PATH}, else Debian's {@code /usr/bin/chromium}. */
    static Path binary() {
        return Path.of(System.getProperty("gantry.chromium", "/usr/bin/chromium"));
    }

    /** Starts Chromium with a window of a laptop's size and attaches to its one page. */
    static HeadlessChromium start(Path work, int width, int height) throws Exception {
        if (!Files.isExecutable(binary())) {
            throw new IllegalStateException("no Chromium at " + binary() + ": install Debian's chromium"
                    + " (scripts/install-prerequisites.sh does) or set -Dgantry.chromium");
        }
        Path profile = Files.createTempDirectory(Files.createDirectories(work), "chromium-profile");
        Process process = new ProcessBuilder(binary().toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String browserUrl = awaitDevToolsUrl(process);
        URI browser = URI.create(browserUrl);
        HttpClient http = HttpClient.newHttpClient();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://" + browser.getAuthority() + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String pageUrl = null;
        for (JsonNode target : JSON.readTree(list)) {
            if (target.path("type").asText().equals("page")) {
                pageUrl = target.get("webSocketDebuggerUrl").asText();
                break;
            }
        }
        if (pageUrl == null) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium opened no page: " + list);
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    String text = message.toString();
                    message.setLength(0);
                    self[0].receive(text);
                }
                webSocket.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(process, profile, socket);
        self[0].send("Runtime.enable", Map.of());
        self[0].send("Log.enable", Map.of());
        self[0].send("Page.enable", Map.of());
        self[0].send("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        return self[0];
    }

    private static String awaitDevToolsUrl(Process process) throws IOException {
        BufferedReader errors = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String line; System.nanoTime() < deadline && (line = errors.readLine()) != null;) {
            seen.append(line).append('\n');
            Matcher url = DEVTOOLS_URL.matcher(line);
            if (url.find()) {
                // Keep reading its error output, or Chromium would block once the pipe is full.
                Thread drain = new Thread(() -> {
                    try {
                        errors.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ended) {
                        // the browser exited
                    }
                }, "chromium-stderr");
                drain.setDaemon(true);
                drain.start();
                return url.group(1);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("Chromium did not open its DevTools port:\n" + seen);
    }

    private void receive(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
                if (reply != null) {
                    if (message.has("error")) {
                        reply.completeExceptionally(new IllegalStateException(message.get("error").toString()));
                    } else {
                        reply.complete(message.path("result"));
                    }
                }
                return;
            }
            JsonNode params = message.path("params");
            switch (message.path("method").asText()) {
                case "Runtime.consoleAPICalled" -> {
                    String type = params.path("type").asText();
                    if (type.equals("error") || type.equals("warning") || type.equals("assert")) {
                        problems.add("console." + type + ": " + params.path("args").toString());
                    }
                }
                case "Runtime.exceptionThrown" -> problems.add("exception: "
                        + params.path("exceptionDetails").path("exception").path("description").asText(
                                params.path("exceptionDetails").path("text").asText()));
                case "Log.entryAdded" -> {
                    JsonNode entry = params.path("entry");
                    String level = entry.path("level").asText();
                    if (level.equals("error") || level.equals("warning")) {
                        problems.add("log." + level + " (" + entry.path("source").asText() + "): "
                                + entry.path("text").asText() + " " + entry.path("url").asText());
                    }
                }
                default -> {
                    // other events are not needed
                }
            }
        } catch (IOException e) {
            problems.add("unreadable DevTools message: " + text);
        }
    }

    /** Sends a DevTools command and waits for its result. */
    JsonNode send(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        return reply.get(60, TimeUnit.SECONDS);
    }

    void navigate(String url) throws Exception {
        send("Page.navigate", Map.of("url", url));
    }

    /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value as JSON. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("'" + expression + "' threw " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /**
     * Waits until a JavaScript expression is true in the page; while the page is still loading, an expression that
     * throws (an element not parsed yet) counts as false.
     */
    void awaitTrue(String expression, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!evaluate("(() => { try { return !!(" + expression + "); } catch (notYet) { return false; } })()")
                .asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page never showed: " + expression + "; problems: " + problems);
            }
            Thread.sleep(100);
        }
    }

    /** Waits for a condition outside the page (the server), polling. */
    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Saves what the page shows, the whole page when it is longer than the window. */
    Path screenshot(Path file) throws Exception {
        JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", false));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
        return file;
    }

    /** What the page reported as a problem so far: console errors and warnings, exceptions, browser errors. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() throws IOException {
        socket.abort();
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (var paths = Files.walk(profile)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
