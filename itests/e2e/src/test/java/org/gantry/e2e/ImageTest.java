package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The OCI image of deploy/image/build-image.sh, read and run as a container runtime would, without one.
 *
 * <p>On every build: the image's own layer and configuration, made with {@code --without-rootfs} (no Debian root
 * file system: seconds, no root, no downloads). The OCI layout is read as a runtime reads it (index, manifest,
 * config), then umoci unpacks it, and the entrypoint with the image's command runs as a plain process the way a
 * SageMaker multi-model endpoint starts it, with the build's JDK in place of the root file system's Java runtime.
 *
 * <p>With {@code -Pimage} (as root, after {@code scripts/install-prerequisites.sh image}): the full image, Debian
 * root file system and Java runtime included, and deploy/image/test-image.py, which runs its entrypoint chrooted in
 * it, as SageMaker and KServe start it. A few minutes and about 100 MB of Debian packages.
 */
class ImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = BuildFacts.ROOT;
    private static final Path WORK = Path.of(System.getProperty("gantry.e2e.work"), "image").toAbsolutePath();
    private static final String ENTRYPOINT = "/opt/gantry/bin/serve";

    @Test
    void theImagesLayoutNamesTheEntrypointPortsAndUserAndItsEntrypointServesAsSageMakerStartsIt() throws Exception {
        Map<String, String> env = BuildFacts.imageEnv();
        Path output = WORK.resolve("layout");
        run(List.of(ROOT.resolve("deploy/image/build-image.sh").toString(), "--without-rootfs", "--output",
                output.toString(), "--distribution", E2eFiles.DISTRIBUTION.toString()), Duration.ofMinutes(5));
        String tag = env.get("GANTRY_IMAGE_TAG");
        JsonNode config = config(output.resolve("image"), tag).get("config");
        assertEquals(List.of(ENTRYPOINT), strings(config.get("Entrypoint")));
        assertEquals(List.of("serve"), strings(config.get("Cmd")), "SageMaker runs the image with 'serve'");
        assertEquals(env.get("GANTRY_IMAGE_USER"), config.get("User").asText());
        assertEquals("/opt/gantry", config.get("WorkingDir").asText());
        assertEquals("SIGTERM", config.get("StopSignal").asText());
        assertEquals(Set.of(env.get("GANTRY_IMAGE_HTTP_PORT") + "/tcp", env.get("GANTRY_IMAGE_GRPC_PORT") + "/tcp"),
                fieldNames(config.get("ExposedPorts")));
        assertEquals(env.get("GANTRY_IMAGE_HTTP_PORT"), String.valueOf(BuildFacts.portDefault("GANTRY_HTTP_PORT")));
        assertEquals(env.get("GANTRY_IMAGE_GRPC_PORT"), String.valueOf(BuildFacts.portDefault("GANTRY_GRPC_PORT")));
        JsonNode labels = config.get("Labels");
        assertEquals("true", labels.get("com.amazonaws.sagemaker.capabilities.accept-bind-to-port").asText());
        assertEquals("true", labels.get("com.amazonaws.sagemaker.capabilities.multi-models").asText());
        assertEquals(tag, labels.get("org.opencontainers.image.version").asText());
        assertTrue(Files.isRegularFile(output.resolve("gantry-" + tag + ".oci.tar")), "the OCI archive");

        Path bundle = WORK.resolve("bundle");
        E2eFiles.delete(bundle);
        List<String> unpack = new ArrayList<>(List.of("umoci", "unpack"));
        if (!"root".equals(System.getProperty("user.name"))) {
            unpack.add("--rootless");
        }
        unpack.addAll(List.of("--image", output.resolve("image") + ":" + tag, bundle.toString()));
        run(unpack, Duration.ofMinutes(2));
        JsonNode process = JSON.readTree(bundle.resolve("config.json").toFile()).get("process");
        assertEquals(List.of(ENTRYPOINT, "serve"), strings(process.get("args")), "what the runtime would execute");
        Path rootfs = bundle.resolve("rootfs");
        assertTrue(Files.isExecutable(rootfs.resolve(ENTRYPOINT.substring(1))), "the entrypoint is in the layer");
        assertTrue(Files.notExists(rootfs.resolve("opt/gantry/data")), "no server's leftovers in the image");
        try {
            servesAsASageMakerMultiModelEndpoint(rootfs, process);
        } finally {
            E2eFiles.delete(bundle);
            E2eFiles.delete(output);
        }
    }

    /**
     * The whole image (-Pimage): built by build-image.sh, then deploy/image/test-image.py runs its entrypoint in its
     * own root file system with its own Java runtime, as SageMaker and as KServe start it.
     */
    @Test
    @EnabledIfSystemProperty(named = "gantry.image.full", matches = "true")
    void theFullImageServesAsSageMakerAndKServeStartIt() throws Exception {
        Path output = WORK.resolve("full");
        String built = run(List.of(ROOT.resolve("deploy/image/build-image.sh").toString(), "--output",
                output.toString(), "--distribution", E2eFiles.DISTRIBUTION.toString()),
                Duration.ofMinutes(20));
        assertTrue(built.contains("OCI archive"), built);
        String tested = run(List.of(ROOT.resolve("deploy/image/test-image.py").toString(), "--image",
                output.resolve("image").toString(), "--work", output.resolve("test").toString()),
                Duration.ofMinutes(15));
        assertTrue(tested.contains("sagemaker:") && tested.contains("kserve:"), tested);
        assertTrue(!tested.contains("FAILED"), tested);
        E2eFiles.delete(output.resolve("test"));
    }

    /**
     * The unpacked entrypoint as SageMaker's CPU multi-model endpoint runs it: 'serve', SAGEMAKER_BIND_TO_PORT,
     * SAGEMAKER_SAFE_PORT_RANGE and SAGEMAKER_MULTI_MODEL; the model is loaded by POST /models from its folder (in a
     * container /opt/ml/models/&lt;name&gt;/model) and invoked; SIGTERM drains and exits 0.
     */
    private static void servesAsASageMakerMultiModelEndpoint(Path rootfs, JsonNode process) throws Exception {
        Path models = WORK.resolve("opt-ml-models");
        E2eFiles.delete(models);
        Path model = models.resolve("simple_linear/model");
        E2eFiles.copy(E2eFiles.EXAMPLES.resolve("simple_linear"), model);
        int port = FreePorts.next();
        int low = freePortRange(8);
        Map<String, String> environment = new HashMap<>();
        for (JsonNode variable : process.get("env")) {
            String[] pair = variable.asText().split("=", 2);
            environment.put(pair[0], pair[1]);
        }
        // The build's JDK stands in for the root file system's Java runtime, which --without-rootfs leaves out.
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("PATH", System.getProperty("java.home") + "/bin:" + environment.get("PATH"));
        environment.put("SAGEMAKER_BIND_TO_PORT", Integer.toString(port));
        environment.put("SAGEMAKER_SAFE_PORT_RANGE", low + "-" + (low + 7));
        environment.put("SAGEMAKER_MULTI_MODEL", "true");
        environment.put("DJL_CACHE_DIR", Files.createDirectories(WORK.getParent().resolve("djl-cache")).toString());
        List<String> args = strings(process.get("args"));
        args.set(0, rootfs.resolve(args.get(0).substring(1)).toString());
        ProcessBuilder builder = new ProcessBuilder(args).directory(rootfs.resolve("opt/gantry").toFile())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("serve.log").toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process server = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            awaitPing(http, port, server);
            Set<Integer> others = TcpListeners.of(server.pid()).stream().map(TcpListeners.Listener::port)
                    .filter(p -> p != port).collect(Collectors.toCollection(TreeSet::new));
            assertTrue(others.stream().allMatch(p -> p >= low && p <= low + 7),
                    "every other listener in SAGEMAKER_SAFE_PORT_RANGE " + low + "-" + (low + 7) + ": " + others);
            HttpResponse<String> added = post(http, port, "/models",
                    "{\"model_name\":\"simple_linear\",\"url\":\"" + model + "\"}", Map.of());
            assertEquals(200, added.statusCode(), added.body());
            JsonNode testCase = JSON.readTree(model.resolve("expected.json").toFile()).get("1").get(0);
            String request = JSON.writeValueAsString(Map.of("inputs", testCase.get("inputs")));
            for (HttpResponse<String> answer : List.of(post(http, port, "/models/simple_linear/invoke", request,
                    Map.of()),
                    post(http, port, "/invocations", request,
                            Map.of("X-Amzn-SageMaker-Target-Model", "simple_linear")))) {
                assertEquals(200, answer.statusCode(), answer.body());
                JsonNode outputs = JSON.readTree(answer.body()).get("outputs");
                assertEquals(testCase.get("outputs").get(0).get("shape"), outputs.get(0).get("shape"));
                JsonNode expected = testCase.get("outputs").get(0).get("data");
                for (int i = 0; i < expected.size(); i++) {
                    assertEquals(expected.get(i).asDouble(), outputs.get(0).get("data").get(i).asDouble(), 1e-4,
                            answer.body());
                }
            }
            new ProcessBuilder("kill", "-TERM", Long.toString(server.pid())).start().waitFor();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "SIGTERM: drained and exited within SageMaker's 30 s");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly().waitFor();
            E2eFiles.delete(models);
        }
    }

    private static void awaitPing(HttpClient http, int port, Process server) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(server.isAlive(), () -> "the entrypoint exited: " + log());
            try {
                HttpResponse<Void> ping = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/ping")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (ping.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("/ping did not answer 200 within 3 minutes: " + log());
    }

    private static HttpResponse<String> post(HttpClient http, int port, String path, String body,
            Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The image configuration the layout's index names for the tag: index.json, its manifest, its config blob. */
    private static JsonNode config(Path layout, String tag) throws IOException {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode manifest = null;
        for (JsonNode entry : index.get("manifests")) {
            if (tag.equals(entry.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                manifest = JSON.readTree(blob(layout, entry.get("digest").asText()).toFile());
            }
        }
        assertNotNull(manifest, "the layout has the tag " + tag + ": " + index);
        assertEquals(1, manifest.get("layers").size(), "--without-rootfs: the distribution's layer alone");
        for (JsonNode layer : manifest.get("layers")) {
            assertTrue(Files.isRegularFile(blob(layout, layer.get("digest").asText())), layer.toString());
        }
        return JSON.readTree(blob(layout, manifest.get("config").get("digest").asText()).toFile());
    }

    private static Path blob(Path layout, String digest) {
        String[] parts = digest.split(":", 2);
        return layout.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
    }

    private static String run(List<String> command, Duration timeout) throws Exception {
        Files.createDirectories(WORK);
        Path log = Files.createTempFile(WORK, "command", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertTrue(exited && process.exitValue() == 0, String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    private static String log() {
        try {
            return Files.readString(WORK.resolve("serve.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The first of {@code size} consecutive free ports, as SageMaker reserves for a container's other listeners. */
    private static int freePortRange(int size) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int low = FreePorts.next();
            boolean free = low + size < 65536;
            for (int p = low; free && p < low + size; p++) {
                try (java.net.ServerSocket socket = new java.net.ServerSocket(p)) {
                    free = socket.getLocalPort() == p;
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return low;
            }
        }
        throw new IOException("no " + size + " consecutive free ports");
    }
}
