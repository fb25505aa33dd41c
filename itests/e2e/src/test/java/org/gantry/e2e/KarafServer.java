package org.gantry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh copy of the built distribution, started with {@code bin/karaf server} on free ports (HTTP, gRPC and the
 * console, all from the environment, as several servers on one host take them), as a user would start it. The copy
 * keeps the build's own folder clean and every run starts from scratch.
 *
 * <p>Disk is the scarce resource on a CI machine: a copy holds 1 GB once started. The read-only jars of
 * {@code system/} and {@code lib/} are hard links, PyTorch's unpacked native library is one cache for every server of
 * the run, and {@link #close()} deletes the copy once the server is stopped, keeping its log beside it.
 */
final class KarafServer implements AutoCloseable {

    private final Path home;
    private final int port;
    private final int grpcPort;
    /** The Karaf console's SSH port (GANTRY_CONSOLE_PORT): servers side by side never share 8101. */
    private final int consolePort;
    /** Felix's internal connector's loopback port (GANTRY_INTERNAL_HTTP_PORT). */
    private final int internalPort;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Every answer to the readiness probes sent while the server started, in order. */
    private final java.util.List<Reply> startupReplies = new java.util.concurrent.CopyOnWriteArrayList<>();

    private KarafServer(Path home, int port, int grpcPort, int consolePort, int internalPort, Process process) {
        this.home = home;
        this.port = port;
        this.grpcPort = grpcPort;
        this.consolePort = consolePort;
        this.internalPort = internalPort;
        this.process = process;
    }

    static KarafServer start(Path distribution, Path work, Path models) throws IOException {
        return start(distribution, work, models, Map.of(), Map.of());
    }

    /**
     * @param environment extra environment variables of the server process
     * @param etcFiles    configuration files to write into {@code etc/} before the start, by file name
     */
    static KarafServer start(Path distribution, Path work, Path models, Map<String, String> environment,
            Map<String, String> etcFiles) throws IOException {
        if (!Files.isExecutable(distribution.resolve("bin/karaf"))) {
            throw new IllegalStateException("no distribution at " + distribution + ": build it first (mvn install)");
        }
        Path home = work.resolve("gantry");
        E2eFiles.delete(home);
        E2eFiles.copyDistribution(distribution, home);
        for (Map.Entry<String, String> file : etcFiles.entrySet()) {
            Files.writeString(home.resolve("etc").resolve(file.getKey()), file.getValue());
        }
        int port = FreePorts.next();
        int grpcPort = FreePorts.next();
        // A console port of its own, so that servers started side by side (other test runs, other checkouts) never
        // answer each other's bin/client; and every other port of its own for the same reason.
        int consolePort = FreePorts.next();
        int internalPort = FreePorts.next();
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("karaf-console.log").toFile());
        builder.environment().put("GANTRY_HTTP_PORT", Integer.toString(port));
        builder.environment().put("GANTRY_GRPC_PORT", Integer.toString(grpcPort));
        builder.environment().put("GANTRY_CONSOLE_PORT", Integer.toString(consolePort));
        builder.environment().put("GANTRY_INTERNAL_HTTP_PORT", Integer.toString(internalPort));
        builder.environment().put("GANTRY_MODEL_REPOSITORY", models.toAbsolutePath().toString());
        builder.environment().put("DJL_CACHE_DIR", sharedNativeCache(work).toString());
        builder.environment().putAll(environment);
        KarafServer server = new KarafServer(home, port, grpcPort, consolePort, internalPort, builder.start());
        server.awaitReady(Duration.ofMinutes(3));
        return server;
    }

    Path home() {
        return home;
    }

    int port() {
        return port;
    }

    /** The gRPC port ({@code GANTRY_GRPC_PORT}); it opens independently of HTTP readiness. */
    int grpcPort() {
        return grpcPort;
    }

    int consolePort() {
        return consolePort;
    }

    int internalPort() {
        return internalPort;
    }

    /** Sends SIGTERM to Karaf's JVM, as a container runtime or an orchestrator does to stop it. */
    void terminate() {
        ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroy);
    }

    /** Waits for the server's process to exit; returns its exit status, or null if it still runs after the wait. */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** Karaf's own log, data/log/karaf.log. */
    String log() throws IOException {
        return Files.readString(home.resolve("data/log/karaf.log"));
    }

    /** The answers the server gave while it started: what a probe or an eager client saw. */
    java.util.List<Reply> startupReplies() {
        return startupReplies;
    }

    /** The process id of Karaf's JVM (a child of the {@code bin/karaf} script, or the script itself after exec). */
    long pid() {
        return process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(process.pid());
    }

    /** Sends a request with a JSON body; {@code body} null means none. */
    Reply call(String method, String path, String body) {
        return exchange(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                body == null ? Map.of() : Map.of("Content-Type", "application/json"));
    }

    /** Sends a request with a JSON body ({@code json} null means none) and these headers. */
    Reply send(String method, String path, String json, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        if (json != null) {
            all.put("Content-Type", "application/json");
        }
        return exchange(method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8), all);
    }

    /** POSTs JSON and returns the response body's lines as the server sends them (server-sent events). */
    HttpResponse<java.util.stream.Stream<String>> postForLines(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a request with any body and headers; {@code body} null means none. */
    Reply exchange(String method, String path, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8),
                    response.headers().firstValue("Content-Type").orElse(""), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response: status, body as text and as bytes, headers. */
    record Reply(int status, String body, String contentType, HttpHeaders headers, byte[] bytes) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** Runs {@code echo command | bin/client -b} in the distribution folder and returns what it printed. */
    String console(String command) throws IOException, InterruptedException {
        Process client = new ProcessBuilder(home.resolve("bin/client").toString(), "-b", "-a",
                Integer.toString(consolePort))
                .directory(home.toFile())
                .redirectErrorStream(true)
                .start();
        client.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        client.getOutputStream().close();
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!client.waitFor(2, TimeUnit.MINUTES)) {
            client.destroyForcibly();
        }
        return output;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Karaf exited with " + process.exitValue() + "; see "
                        + home.getParent().resolve("karaf-console.log"));
            }
            try {
                Reply reply = call("GET", "/v2/health/ready", null);
                startupReplies.add(reply);
                if (reply.status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // the port is not open yet
            }
            sleep(50);
        }
        throw new IllegalStateException("Gantry was not ready within " + timeout + "; see "
                + home.getParent().resolve("karaf-console.log"));
    }

    /**
     * Stops Karaf as a user would (bin/stop), kills it if it has not exited a minute later, then keeps its log as
     * {@code karaf.log} beside the copy and deletes the copy.
     */
    @Override
    public void close() throws IOException {
        if (!process.isAlive()) {
            return; // stopped already (a drain, a test that stopped it)
        }
        try {
            stop();
        } finally {
            Path log = home.resolve("data/log/karaf.log");
            if (Files.exists(log)) {
                Files.copy(log, home.getParent().resolve("karaf.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            E2eFiles.delete(home);
        }
    }

    private void stop() throws IOException {
        try {
            new ProcessBuilder(home.resolve("bin/stop").toString()).directory(home.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(1, TimeUnit.MINUTES);
            if (process.waitFor(1, TimeUnit.MINUTES)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One folder for PyTorch's unpacked native library (about 450 MB) for every server of this run: the e2e work
     * root when the test names one, else the test's own work folder.
     */
    private static Path sharedNativeCache(Path work) throws IOException {
        String root = System.getProperty("gantry.e2e.work");
        return Files.createDirectories((root == null ? work : Path.of(root)).toAbsolutePath().resolve("djl-cache"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
