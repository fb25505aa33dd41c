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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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
    /** The repository it serves ({@code GANTRY_MODEL_REPOSITORY}). */
    private final Path models;
    private final ServerPorts ports;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Every answer to the readiness probes sent while the server started, in order. */
    private final java.util.List<Reply> startupReplies = new java.util.concurrent.CopyOnWriteArrayList<>();

    private KarafServer(Path home, Path models, ServerPorts ports, Process process) {
        this.home = home;
        this.models = models;
        this.ports = ports;
        this.process = process;
    }

    /** A server of the built distribution that will work in {@code work}: set it up, then {@link Setup#start()}. */
    static Setup in(Path work) {
        return new Setup(work);
    }

    /** A server that will work in the test's own folder {@code name} under the run's work folder. */
    static Setup in(String name) throws IOException {
        return in(E2eFiles.workFolder(name));
    }

    /** Writes a test's own model repository. */
    @FunctionalInterface
    interface RepositoryWriter {
        void write(Path repository) throws IOException;
    }

    /**
     * What a test starts its server with: a repository, extra environment variables of the server process and
     * configuration files to write into {@code etc/} before the start. The distribution is the build's.
     */
    static final class Setup {

        private final Path work;
        private Path models = E2eFiles.EXAMPLES;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final Map<String, String> etcFiles = new LinkedHashMap<>();

        private Setup(Path work) {
            this.work = work;
        }

        /** The folder the server's copy, its console log and whatever else the test writes lie in. */
        Path work() {
            return work;
        }

        /** The model repository ({@code GANTRY_MODEL_REPOSITORY}); the example models unless set. */
        Setup models(Path repository) {
            this.models = repository;
            return this;
        }

        /** A repository of the test's own, {@code work/models}, holding copies of the named example models. */
        Setup exampleModels(String... names) throws IOException {
            return models(E2eFiles.exampleRepository(work, names));
        }

        /** A repository of the test's own, {@code work/models}, that {@code writer} writes (or completes) now. */
        Setup writtenModels(RepositoryWriter writer) throws IOException {
            Path repository = work.resolve("models");
            writer.write(repository);
            return models(repository);
        }

        /** Management behind {@code GANTRY_ADMIN_TOKEN}, inference open. */
        Setup adminToken(String admin) {
            return environment("GANTRY_ADMIN_TOKEN", admin);
        }

        /** Management behind {@code GANTRY_ADMIN_TOKEN}, inference behind {@code GANTRY_INFERENCE_TOKEN}. */
        Setup tokens(String admin, String inference) {
            return adminToken(admin).environment("GANTRY_INFERENCE_TOKEN", inference);
        }

        Setup environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        Setup environment(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        /** Writes {@code etc/<file>} with this content before the start. */
        Setup etc(String file, String content) {
            etcFiles.put(file, content);
            return this;
        }

        /** Writes {@code etc/<file>} as the distribution ships it, edited. */
        Setup etcEdited(String file, UnaryOperator<String> edit) throws IOException {
            return etc(file, edit.apply(Files.readString(E2eFiles.DISTRIBUTION.resolve("etc").resolve(file))));
        }

        /** Starts the server and waits until it is ready. */
        KarafServer start() throws IOException {
            Path distribution = E2eFiles.DISTRIBUTION;
            if (!Files.isExecutable(distribution.resolve("bin/karaf"))) {
                throw new IllegalStateException(
                        "no distribution at " + distribution + ": build it first (mvn install)");
            }
            Path home = work.resolve("gantry");
            E2eFiles.copyDistribution(distribution, home, etcFiles);
            ServerPorts ports = ServerPorts.free();
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("karaf-console.log").toFile());
            builder.environment().putAll(ports.environment());
            builder.environment().put("GANTRY_MODEL_REPOSITORY", models.toAbsolutePath().toString());
            builder.environment().put("DJL_CACHE_DIR", sharedNativeCache(work).toString());
            builder.environment().putAll(environment);
            KarafServer server = new KarafServer(home, models, ports, builder.start());
            server.awaitReady(Duration.ofMinutes(3));
            return server;
        }
    }

    Path home() {
        return home;
    }

    /** The folder the test set the server up in: its copy ({@link #home()}) and its logs lie there. */
    Path work() {
        return home.getParent();
    }

    Path models() {
        return models;
    }

    /** Its own ports; gRPC's opens independently of HTTP readiness. */
    ServerPorts ports() {
        return ports;
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
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.http() + path))
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
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.http() + path))
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
                Integer.toString(ports.console()))
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
