package org.gantry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Gantry node of a cluster on this host: its own copy of the distribution (lib/ and system/, which Karaf only
 * reads, hard-linked), its own fixed ports on loopback, kept across restarts so that the proxy in front finds it
 * again, and its own data/ (kept too, as a restarted container keeps none of it but a restarted host process does).
 */
final class ClusterNode {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path home;
    private final Path log;
    private final Map<String, String> environment = new HashMap<>();
    private final ServerPorts ports;
    private Process process;

    private ClusterNode(String name, Path home, Path log, ServerPorts ports) {
        this.name = name;
        this.home = home;
        this.log = log;
        this.ports = ports;
    }

    /**
     * @param environment the node's own settings (memory budget, repository, heap); ports are added here
     * @param etcFiles    configuration files to write into the node's {@code etc/}, by name
     */
    static ClusterNode create(String name, Path distribution, Path work, Map<String, String> environment,
            Map<String, String> etcFiles) throws IOException {
        Path home = work.resolve(name);
        E2eFiles.copyDistribution(distribution, home, etcFiles);
        ClusterNode node = new ClusterNode(name, home, work.resolve(name + "-console.log"), ServerPorts.free());
        node.environment.putAll(environment);
        node.environment.putAll(node.ports.environment());
        node.environment.put("GANTRY_HTTP_HOST", "127.0.0.1");
        node.environment.put("GANTRY_GRPC_HOST", "127.0.0.1");
        // The JVM replaces bin/karaf, as in the image: signals reach it directly.
        node.environment.put("KARAF_EXEC", "exec");
        return node;
    }

    String name() {
        return name;
    }

    String address() {
        return "127.0.0.1:" + ports.http();
    }

    String grpcAddress() {
        return "127.0.0.1:" + ports.grpc();
    }

    /** Starts the node; returns at once (see {@link #awaitReady}). */
    void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (status("/v2/health/ready") == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + "; see " + log);
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, as when a machine or a container dies: no drain, nothing answered. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a rolling restart sends: the node drains, then exits. */
    void terminate() {
        process.destroy();
    }

    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address() + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A GET on the node itself, not through the proxy. */
    String get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void stop() throws InterruptedException {
        if (isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

}
