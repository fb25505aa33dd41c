package org.gantry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.gantry.grpc.proto.GRPCInferenceServiceGrpc;
import org.gantry.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Several Gantry nodes on one host behind a real consistent-hashing load balancer: HAProxy running
 * deploy/haproxy/haproxy.cfg (consistent hashing on the model name, bounded load, readiness checks, retries).
 * Three nodes, and a fourth that joins, each with a small memory budget (room for {@value #MODELS_PER_NODE}
 * models), share one read-only model repository of {@value #MODELS} copies of the tiny_encoder model of
 * bench/loadgen (a TorchScript encoder with 390 KiB of weights).
 * Requests go through the proxy only, over HTTP and, for the protocols scenario, gRPC; the proxy says which node
 * answered (X-Gantry-Node), and each node's /metrics says what it loaded and served. Figures go to target/e2e/multinode/results.md.
 *
 * <p>Two to four minutes on two quiet cores, seven under heavy load (nodes start nine times). Needs haproxy (Debian's package, which
 * scripts/install-prerequisites.sh installs). Alone: {@code mvn -pl itests/e2e test -Dtest=MultiNodeTest}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNodeTest {

    static final int MODELS = 90;
    static final int MODELS_PER_NODE = 20;
    /** tiny_encoder's parameters: what a node leases per model with load-overhead measurement off. */
    static final long BYTES_PER_MODEL = 399_872;
    /** What a load reserves until it has measured the model: its files' bytes times the backends' default. */
    static final double ESTIMATE_PER_FILE_BYTE = 1.5;
    private static final String MODEL = "bench/loadgen/models/tiny_encoder";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    /** Model names whose place on the ring the kill and join scenarios compare (no model of that name exists). */
    private static final int RING_PROBES = 300;
    private static final String REQUEST = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,16,64],\"datatype\":"
            + "\"FP32\",\"data\":" + IntStream.range(0, 16 * 64).mapToObj(i -> Double.toString((i % 37) / 37.0))
                    .collect(Collectors.joining(",", "[", "]"))
            + "}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{([^}]*)}\\s+(\\S+)$");
    private static final Metadata.Key<String> GANTRY_MODEL = Metadata.Key.of("x-gantry-model",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> GANTRY_NODE = Metadata.Key.of("x-gantry-node",
            Metadata.ASCII_STRING_MARSHALLER);

    private static Path work;
    private static long budget;
    private static final List<ClusterNode> NODES = new ArrayList<>();
    private static HaProxy proxy;
    /** A gRPC client's channel to the proxy's gRPC frontend. */
    private static ManagedChannel grpc;
    /**
     * The sequential scenarios' client: one request after another. Every client of these tests, this one and each
     * thread of {@link Traffic}, has a client of its own, so that its requests follow each other on one connection.
     * HAProxy counts a request in flight until it releases the request's stream, a moment after the client has the
     * answer: a next request on another pooled connection could meet that count, and bounded load would send it to
     * the next node as if the first were still running.
     */
    private static final HttpClient SEQUENTIAL = client();
    private static final Map<String, List<String>> RESULTS = new LinkedHashMap<>();

    /** One request through the proxy: when, for which model, its status, which node answered, how long it took. */
    record Outcome(long atNanos, String model, int status, String node, long latencyNanos, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        work = Files.createDirectories(Path.of(System.getProperty("gantry.e2e.work"), "multinode"));
        Path repository = sharedReadOnlyRepository(work.resolve("repository"));
        Path distribution = Path.of(System.getProperty("gantry.distribution"));
        // A load reserves its estimate, then keeps the model's weights: a budget of one estimate and 19 models'
        // weights holds 20 models, and a 21st load evicts the least recently used.
        long estimate = (long) Math.ceil(Files.size(repository.resolve("m000/1/model.pt")) * ESTIMATE_PER_FILE_BYTE);
        budget = estimate + (MODELS_PER_NODE - 1) * BYTES_PER_MODEL;
        Map<String, String> environment = Map.of(
                "GANTRY_MODEL_REPOSITORY", repository.toString(),
                "GANTRY_MEMORY_HOST_BUDGET", Long.toString(budget),
                // One copy of PyTorch's natives for all nodes, unpacked by the first.
                "DJL_CACHE_DIR", work.resolve("djl").toString(),
                "EXTRA_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        // A lease is the model's weights, not a noisy measurement of the process: budgets hold exactly 20 models.
        String runtime = Files.readString(distribution.resolve("etc/org.gantry.runtime.cfg"))
                .replaceAll("(?m)^measureLoadOverhead = true", "measureLoadOverhead = false");
        for (int i = 1; i <= 4; i++) {
            NODES.add(ClusterNode.create("gantry" + i, distribution, work, environment,
                    Map.of("org.gantry.runtime.cfg", runtime)));
        }
        long started = System.nanoTime();
        NODES.get(0).start();
        NODES.get(0).awaitReady(START_TIMEOUT);
        NODES.get(1).start();
        NODES.get(2).start();
        NODES.get(1).awaitReady(START_TIMEOUT);
        NODES.get(2).awaitReady(START_TIMEOUT);
        proxy = HaProxy.start(Path.of(System.getProperty("gantry.root"), "deploy/haproxy/haproxy.cfg"), work,
                NODES.stream().map(ClusterNode::address).toList(),
                NODES.stream().map(ClusterNode::grpcAddress).toList());
        grpc = NettyChannelBuilder.forAddress("127.0.0.1", proxy.grpcPort()).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
        for (int i = 1; i <= 3; i++) {
            proxy.awaitServer("gantry" + i, true, Duration.ofSeconds(30));
        }
        note("setup", String.format("3 nodes ready and checked up by HAProxy in %d s; budget %d bytes (%d models) per"
                + " node; %d models in the shared read-only repository", seconds(System.nanoTime() - started),
                budget, MODELS_PER_NODE, MODELS));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (proxy != null) {
            proxy.close();
        }
        for (ClusterNode node : NODES) {
            node.stop();
        }
        StringBuilder report = new StringBuilder("# Multi-node test (MultiNodeTest)\n");
        RESULTS.forEach((scenario, lines) -> {
            report.append("\n## ").append(scenario).append('\n');
            lines.forEach(line -> report.append("- ").append(line).append('\n'));
        });
        if (work != null) {
            Files.writeString(work.resolve("results.md"), report);
        }
        System.out.println(report);
    }

    /** Sequential traffic over 36 models: each model is served by exactly one node, and loaded once. */
    @Test
    @Order(1)
    void affinityEachModelIsServedByOneNode() throws Exception {
        List<String> models = models(0, 36);
        Map<String, Map<String, Double>> coldBefore = perNode("gantry_model_cold_starts_total");
        List<Outcome> outcomes = sequential(models, 5);
        Map<String, Set<String>> servedBy = servedBy(outcomes);
        Map<String, Map<String, Double>> inferences = perNode("gantry_inference_requests_total");
        Map<String, Double> coldLoads = delta(coldBefore, perNode("gantry_model_cold_starts_total"));
        note("affinity", summary(outcomes));
        note("affinity", "models per node: " + modelsPerNode(servedBy) + "; cold loads per node: " + coldLoads);
        assertEquals(0, failures(outcomes).size(), failures(outcomes).toString());
        servedBy.forEach((model, nodes) -> assertEquals(1, nodes.size(), model + " served by " + nodes));
        for (String model : models) {
            long nodesCounting = inferences.values().stream().filter(counts -> counts.getOrDefault(model, 0.0) > 0)
                    .count();
            assertEquals(1, nodesCounting, model + ": nodes whose /metrics count its inferences");
        }
        assertEquals(models.size(), coldLoads.values().stream().mapToDouble(Double::doubleValue).sum(), 0.0,
                "cluster-wide, each model loaded once");
    }

    /** All 90 models: the cluster holds about three times what one node holds, each node within its budget. */
    @Test
    @Order(2)
    void capacityTheClusterHoldsThreeNodesWorthOfModels() throws Exception {
        List<Outcome> outcomes = sequential(models(0, MODELS), 3);
        Map<String, Integer> resident = new TreeMap<>();
        for (ClusterNode node : live()) {
            JsonNode cpu = JSON.readTree(node.get("/v2/memory")).get("devices").get(0);
            long used = cpu.get("used_bytes").asLong();
            long nodeBudget = cpu.get("budget_bytes").asLong();
            assertTrue(used <= nodeBudget, node.name() + " uses " + used + " of " + nodeBudget);
            int count = 0;
            for (JsonNode model : cpu.get("models")) {
                count += model.get("state").asText().equals("RESIDENT") ? 1 : 0;
            }
            resident.put(node.name(), count);
            note("capacity", String.format("%s: %d models resident, %d of %d bytes", node.name(), count, used,
                    nodeBudget));
        }
        int total = resident.values().stream().mapToInt(Integer::intValue).sum();
        note("capacity", summary(outcomes) + "; " + total + " models resident in all, one node holds at most "
                + MODELS_PER_NODE + " (" + String.format("%.2f", total / (double) MODELS_PER_NODE) + "x)");
        assertEquals(0, failures(outcomes).size(), failures(outcomes).toString());
        resident.values().forEach(count -> assertTrue(count <= MODELS_PER_NODE));
        assertTrue(total >= 2.7 * MODELS_PER_NODE, "about three nodes' worth: " + resident);
    }

    /**
     * kill -9 of a node under steady traffic: failures only while the health checks notice (the proxy retries
     * refused connections elsewhere), and only the killed node's models, about a third, load again elsewhere. The
     * 24 models fit on the two survivors, so what loads again is what moved, not what a full node evicted.
     */
    @Test
    @Order(3)
    void nodeKilledOnlyItsThirdOfTheModelsMovesAndFailuresStayInTheDetectionWindow() throws Exception {
        List<String> models = models(0, 24);
        Map<String, String> before = single(servedBy(sequential(models, 1)));
        Map<String, String> ringBefore = ring();
        Map<String, Map<String, Double>> coldBefore = perNode("gantry_model_cold_starts_total");
        ClusterNode victim = NODES.get(1);
        Set<String> victimsModels = modelsOn(before, victim.name());

        Traffic traffic = Traffic.start(models, 1);
        Thread.sleep(2000);
        long killedAt = System.nanoTime();
        victim.kill();
        try {
            assertKillMovedOnlyTheVictimsModels(victim, models, before, victimsModels, coldBefore, traffic, killedAt);
            assertOnlyTheNodesShareOfTheRingMoved(ringBefore, ring(), victim.name(), 1.0 / 3, "kill -9");
        } finally {
            traffic.stop();
            long restart = System.nanoTime();
            victim.start();
            victim.awaitReady(START_TIMEOUT);
            proxy.awaitServer(victim.name(), true, Duration.ofSeconds(30));
            note("kill -9", victim.name() + " restarted and back in the ring in "
                    + seconds(System.nanoTime() - restart) + " s");
        }
    }

    private static void assertKillMovedOnlyTheVictimsModels(ClusterNode victim, List<String> models,
            Map<String, String> before, Set<String> victimsModels, Map<String, Map<String, Double>> coldBefore,
            Traffic traffic, long killedAt) throws Exception {
        proxy.awaitServer(victim.name(), false, Duration.ofSeconds(10));
        long detected = System.nanoTime() - killedAt;
        Thread.sleep(6000);
        List<Outcome> outcomes = traffic.stop();

        List<Outcome> after = outcomes.stream().filter(o -> o.atNanos() > killedAt + detected + 1_000_000_000L)
                .toList();
        Map<String, String> now = single(servedBy(after));
        Set<String> moved = models.stream().filter(m -> !before.get(m).equals(now.get(m)))
                .collect(Collectors.toCollection(TreeSet::new));
        Map<String, Map<String, Double>> coldAfter = perNode("gantry_model_cold_starts_total");
        Map<String, Double> reloads = delta(coldBefore, coldAfter);
        Set<String> reloaded = grown(coldBefore, coldAfter);
        List<Outcome> failed = failures(outcomes);
        long lastFailure = failed.stream().mapToLong(o -> o.atNanos() - killedAt).max().orElse(0);
        note("kill -9", summary(outcomes) + String.format("; HAProxy saw %s down %d ms after the kill; last failure"
                + " %d ms after it", victim.name(), detected / 1_000_000, lastFailure / 1_000_000));
        note("kill -9", String.format("%d of %d models moved (%.0f %%), all of them %s's; %d models loaded again,"
                + " loads per survivor %s", moved.size(), models.size(), 100.0 * moved.size() / models.size(),
                victim.name(), reloaded.size(), reloads));
        assertTrue(failed.stream().allMatch(o -> o.atNanos() - killedAt <= detected + 1_000_000_000L),
                "failures after the detection window: " + failed);
        assertEquals(victimsModels, moved, "exactly the killed node's models moved");
        assertEquals(moved, reloaded, "only the moved models loaded again");
        assertTrue(moved.size() >= models.size() / 6 && moved.size() <= models.size() / 2, "about a third: " + moved);
    }

    /** A fourth node joins: about a quarter of the models move, all of them to it. */
    @Test
    @Order(4)
    void nodeJoinsAboutAQuarterOfTheModelsMoveToIt() throws Exception {
        List<String> models = models(0, 24);
        ClusterNode joining = NODES.get(3);
        long started = System.nanoTime();
        joining.start();
        joining.awaitReady(START_TIMEOUT);
        Map<String, String> before = single(servedBy(sequential(models, 1)));
        Map<String, String> ringBefore = ring();
        Map<String, Map<String, Double>> coldBefore = perNode("gantry_model_cold_starts_total");
        proxy.command("set server gantry/" + joining.name() + " state ready");
        proxy.command("set server gantry-grpc/" + joining.name() + " state ready");
        proxy.awaitServer(joining.name(), true, Duration.ofSeconds(30));
        assertOnlyTheNodesShareOfTheRingMoved(ringBefore, ring(), joining.name(), 1.0 / 4, "node joins");
        List<Outcome> outcomes = sequential(models, 2);
        Map<String, String> after = single(servedBy(outcomes));
        Set<String> moved = models.stream().filter(m -> !before.get(m).equals(after.get(m)))
                .collect(Collectors.toCollection(TreeSet::new));
        Map<String, Double> reloads = delta(coldBefore, perNode("gantry_model_cold_starts_total"));
        note("node joins", String.format("%s started and joined in %d s; %d of %d models moved (%.0f %%), all to it;"
                + " cold loads per node %s; %s", joining.name(), seconds(System.nanoTime() - started), moved.size(),
                models.size(), 100.0 * moved.size() / models.size(), reloads, summary(outcomes)));
        assertEquals(0, failures(outcomes).size());
        assertEquals(moved, modelsOn(after, joining.name()), "models move only to the new node");
        assertTrue(moved.size() >= models.size() / 8 && moved.size() <= models.size() * 3 / 8,
                "about a quarter: " + moved);
    }

    /** One model takes most of the traffic: bounded load gives it a second node instead of a queue on one. */
    @Test
    @Order(5)
    void hotModelGetsASecondNodeUnderBoundedLoad() throws Exception {
        String hot = "m000";
        Traffic background = Traffic.start(models(1, 36), 2);
        Traffic burst = Traffic.start(List.of(hot), 6);
        Thread.sleep(10_000);
        List<Outcome> hotOutcomes = burst.stop();
        List<Outcome> others = background.stop();
        Map<String, Long> hotPerNode = hotOutcomes.stream().filter(Outcome::ok)
                .collect(Collectors.groupingBy(Outcome::node, TreeMap::new, Collectors.counting()));
        Map<String, Double> hotInferences = new TreeMap<>();
        perNode("gantry_inference_requests_total").forEach((node, counts) -> {
            if (counts.getOrDefault(hot, 0.0) > 0) {
                hotInferences.put(node, counts.get(hot));
            }
        });
        note("hot model", String.format("%s: %d requests from 6 clients (%.0f %% of all), served per node %s;"
                + " p50 %.1f ms, p99 %.1f ms; background: %s", hot, hotOutcomes.size(),
                100.0 * hotOutcomes.size() / (hotOutcomes.size() + others.size()), hotPerNode,
                percentile(hotOutcomes, 0.5), percentile(hotOutcomes, 0.99), summary(others)));
        assertEquals(0, failures(hotOutcomes).size() + failures(others).size());
        assertTrue(hotPerNode.size() >= 2, "the hot model is served by a second node: " + hotPerNode);
        assertTrue(hotInferences.size() >= 2, "a second node loaded and ran it: " + hotInferences);
    }

    /** Every node in turn: SIGTERM (drain), exit, start again; the proxy retries refusals; no request fails. */
    @Test
    @Order(6)
    void rollingRestartWithDrainFailsNoRequest() throws Exception {
        Traffic traffic = Traffic.start(models(0, 36), 3);
        long started = System.nanoTime();
        List<String> steps = new ArrayList<>();
        for (ClusterNode node : NODES) {
            long stopping = System.nanoTime();
            node.terminate();
            Integer exit = node.awaitExit(Duration.ofSeconds(60));
            assertTrue(exit != null, node.name() + " did not exit after its drain");
            long down = System.nanoTime();
            node.start();
            node.awaitReady(START_TIMEOUT);
            proxy.awaitServer(node.name(), true, Duration.ofSeconds(30));
            steps.add(String.format("%s drained and exited (status %d) in %.1f s, back in %d s", node.name(), exit,
                    (down - stopping) / 1e9, seconds(System.nanoTime() - down)));
        }
        Thread.sleep(2000);
        List<Outcome> outcomes = traffic.stop();
        steps.forEach(step -> note("rolling restart", step));
        note("rolling restart", summary(outcomes) + " over " + seconds(System.nanoTime() - started) + " s");
        assertEquals(List.of(), failures(outcomes));
    }

    /**
     * KServe v2 REST, SageMaker's invoke and /invocations, and KServe v2 gRPC, through the proxy: the same answers,
     * and the proxy takes the model's name from each (gRPC clients send it as metadata), so all four go to one node.
     * Where they go is read from requests for names no node has (each node answers 404 or NOT_FOUND at once, which
     * the proxy never retries elsewhere); real models' requests could be retried on the next node while their own is
     * busy restarting, which is the retry's purpose, not a routing fault.
     */
    @Test
    @Order(7)
    void protocolsRestSageMakerAndGrpcGiveTheSameAnswersAndRouteAlike() throws Exception {
        int sameNode = 0;
        for (String model : models(0, 12)) {
            Outcome rest = send(model, "/v2/models/" + model + "/infer", Map.of());
            Outcome invoke = send(model, "/models/" + model + "/invoke", Map.of());
            Outcome invocations = send(model, "/invocations", Map.of("X-Amzn-SageMaker-Target-Model", model));
            JsonNode outputs = JSON.readTree(rest.body()).get("outputs");
            for (Outcome outcome : List.of(rest, invoke, invocations)) {
                assertEquals(200, outcome.status(), outcome.body());
                assertEquals(outputs, JSON.readTree(outcome.body()).get("outputs"));
            }
            GrpcAnswer overGrpc = inferOverGrpc(model);
            assertEquals(Status.Code.OK, overGrpc.code(), model);
            JsonNode data = outputs.get(0).get("data");
            assertEquals(data.size(), overGrpc.outputs().length, model);
            for (int i = 0; i < data.size(); i++) {
                assertEquals((float) data.get(i).asDouble(), overGrpc.outputs()[i], model + " output " + i);
            }
            sameNode += Stream.of(rest.node(), invoke.node(), invocations.node(), overGrpc.node()).distinct()
                    .count() == 1
                            ? 1 : 0;
        }
        int probes = 100;
        for (int i = 0; i < probes; i++) {
            String name = "probe-" + i;
            Outcome rest = send(name, "/v2/models/" + name + "/infer", Map.of());
            Outcome invoke = send(name, "/models/" + name + "/invoke", Map.of());
            Outcome invocations = send(name, "/invocations", Map.of("X-Amzn-SageMaker-Target-Model", name));
            GrpcAnswer overGrpc = inferOverGrpc(name);
            assertEquals(Status.Code.NOT_FOUND, overGrpc.code(), name);
            assertEquals(List.of(rest.node(), rest.node(), rest.node()),
                    List.of(invoke.node(), invocations.node(), overGrpc.node()), name);
        }
        note("protocols", String.format("12 models: REST, SageMaker /models/<m>/invoke and /invocations, and gRPC"
                + " ModelInfer gave the same answers, %d of 12 all four from one node; %d unknown names routed to one"
                + " node by all four", sameNode, probes));
    }

    /** A gRPC ModelInfer through the proxy: its status, the output's floats, and the node HAProxy names. */
    record GrpcAnswer(Status.Code code, float[] outputs, String node) {
    }

    private static GrpcAnswer inferOverGrpc(String model) {
        Metadata routing = new Metadata();
        routing.put(GANTRY_MODEL, model);
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(grpc)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(routing),
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        ByteBuffer input = ByteBuffer.allocate(16 * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16 * 64; i++) {
            input.putFloat((float) ((i % 37) / 37.0));
        }
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(InferInputTensor.newBuilder().setName("INPUT__0").setDatatype("FP32").addShape(1)
                        .addShape(16).addShape(64))
                .addRawInputContents(ByteString.copyFrom(input.flip())).build();
        Status.Code code = Status.Code.OK;
        float[] outputs = new float[0];
        try {
            ModelInferResponse response = stub.modelInfer(request);
            ByteBuffer raw = response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            outputs = new float[raw.remaining() / 4];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = raw.getFloat();
            }
        } catch (StatusRuntimeException e) {
            code = e.getStatus().getCode();
        }
        String node = headers.get() != null ? headers.get().get(GANTRY_NODE) : null;
        if (node == null && trailers.get() != null) {
            node = trailers.get().get(GANTRY_NODE); // an error answered in one HEADERS frame: the trailers
        }
        return new GrpcAnswer(code, outputs, node == null ? "?" : node);
    }

    /**
     * Where the proxy sends {@value #RING_PROBES} model names, read from where it sends a request for each (an
     * unknown model, so nothing loads): how the ring divides names, with far more names than models.
     */
    private static Map<String, String> ring() {
        Map<String, String> nodes = new TreeMap<>();
        for (int i = 0; i < RING_PROBES; i++) {
            String name = "probe-" + i;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port()
                    + "/v2/models/" + name + "/ready")).timeout(Duration.ofSeconds(10)).build();
            try {
                nodes.put(name, SEQUENTIAL.send(request, HttpResponse.BodyHandlers.discarding()).headers()
                        .firstValue("X-Gantry-Node").orElse("?"));
            } catch (IOException e) {
                nodes.put(name, "?");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return nodes;
    }

    /** Only names that were on the node that left (or go to the one that joined) move, about its share. */
    private static void assertOnlyTheNodesShareOfTheRingMoved(Map<String, String> before, Map<String, String> after,
            String node, double share, String scenario) {
        Set<String> moved = before.keySet().stream().filter(name -> !before.get(name).equals(after.get(name)))
                .collect(Collectors.toCollection(TreeSet::new));
        Map<String, Long> shares = after.values().stream()
                .collect(Collectors.groupingBy(n -> n, TreeMap::new, Collectors.counting()));
        note(scenario, String.format("of %d model names, %d moved (%.0f %%); names per node now %s", before.size(),
                moved.size(), 100.0 * moved.size() / before.size(), shares));
        assertTrue(moved.stream().allMatch(name -> before.get(name).equals(node) || after.get(name).equals(node)),
                "names moved between nodes that stayed: " + moved);
        double fraction = moved.size() / (double) before.size();
        assertTrue(fraction > share * 0.6 && fraction < share * 1.4,
                scenario + ": " + fraction + " of the names moved");
    }

    // ---- traffic ----

    /** Requests from {@code threads} clients, each cycling over the models, until stopped. */
    static final class Traffic {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        private final ExecutorService clients;
        private final List<Future<?>> futures = new ArrayList<>();

        private Traffic(List<String> models, int threads) {
            clients = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                int offset = t * 7;
                futures.add(clients.submit(() -> {
                    HttpClient client = client();
                    for (int i = offset; running.get(); i++) {
                        String model = models.get(i % models.size());
                        outcomes.add(send(client, model, "/v2/models/" + model + "/infer", Map.of()));
                    }
                    return null;
                }));
            }
        }

        static Traffic start(List<String> models, int threads) {
            return new Traffic(models, threads);
        }

        List<Outcome> stop() throws Exception {
            running.set(false);
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
            clients.shutdown();
            return outcomes.stream().sorted(java.util.Comparator.comparingLong(Outcome::atNanos)).toList();
        }
    }

    private static List<Outcome> sequential(List<String> models, int rounds) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (String model : models) {
                outcomes.add(send(model, "/v2/models/" + model + "/infer", Map.of()));
            }
        }
        return outcomes;
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    static Outcome send(String model, String path, Map<String, String> headers) {
        return send(SEQUENTIAL, model, path, headers);
    }

    static Outcome send(HttpClient client, String model, String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(REQUEST));
        headers.forEach(request::header);
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Outcome(started, model, response.statusCode(),
                    response.headers().firstValue("X-Gantry-Node").orElse("?"), System.nanoTime() - started,
                    response.body());
        } catch (IOException e) {
            return new Outcome(started, model, -1, "?", System.nanoTime() - started, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(started, model, -1, "?", System.nanoTime() - started, e.toString());
        }
    }

    // ---- what the nodes say ----

    /** A counter's value per model, per live node, from each node's /metrics. */
    private static Map<String, Map<String, Double>> perNode(String metric) {
        Map<String, Map<String, Double>> values = new TreeMap<>();
        for (ClusterNode node : live()) {
            Map<String, Double> perModel = new TreeMap<>();
            for (String line : node.get("/metrics").split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (sample.matches() && sample.group(1).equals(metric)) {
                    Matcher model = Pattern.compile("model=\"([^\"]+)\"").matcher(sample.group(2));
                    if (model.find()) {
                        perModel.merge(model.group(1), Double.parseDouble(sample.group(3)), Double::sum);
                    }
                }
            }
            values.put(node.name(), perModel);
        }
        return values;
    }

    /** Per node, how much the counter grew for all models together. */
    private static Map<String, Double> delta(Map<String, Map<String, Double>> before,
            Map<String, Map<String, Double>> after) {
        Map<String, Double> growth = new TreeMap<>();
        after.forEach((node, counts) -> {
            Map<String, Double> old = before.getOrDefault(node, Map.of());
            double sum = 0;
            for (Map.Entry<String, Double> count : counts.entrySet()) {
                sum += count.getValue() - old.getOrDefault(count.getKey(), 0.0);
            }
            growth.put(node, sum);
        });
        return growth;
    }

    /** The models whose counter grew on some node. */
    private static Set<String> grown(Map<String, Map<String, Double>> before, Map<String, Map<String, Double>> after) {
        Set<String> models = new TreeSet<>();
        after.forEach((node, counts) -> counts.forEach((model, count) -> {
            if (count > before.getOrDefault(node, Map.of()).getOrDefault(model, 0.0)) {
                models.add(model);
            }
        }));
        return models;
    }

    private static List<ClusterNode> live() {
        return NODES.stream().filter(ClusterNode::isAlive).toList();
    }

    private static Map<String, Set<String>> servedBy(Collection<Outcome> outcomes) {
        Map<String, Set<String>> nodes = new TreeMap<>();
        outcomes.stream().filter(Outcome::ok)
                .forEach(o -> nodes.computeIfAbsent(o.model(), m -> new TreeSet<>()).add(o.node()));
        return nodes;
    }

    private static Map<String, String> single(Map<String, Set<String>> servedBy) {
        Map<String, String> node = new HashMap<>();
        servedBy.forEach((model, nodes) -> {
            assertEquals(1, nodes.size(), model + " served by " + nodes);
            node.put(model, nodes.iterator().next());
        });
        return node;
    }

    private static Set<String> modelsOn(Map<String, String> servedBy, String node) {
        return servedBy.entrySet().stream().filter(e -> e.getValue().equals(node)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, Integer> modelsPerNode(Map<String, Set<String>> servedBy) {
        Map<String, Integer> counts = new TreeMap<>();
        servedBy.values().forEach(nodes -> nodes.forEach(node -> counts.merge(node, 1, Integer::sum)));
        return counts;
    }

    private static List<Outcome> failures(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    private static String summary(List<Outcome> outcomes) {
        Map<String, Long> perNode = outcomes.stream().filter(Outcome::ok)
                .collect(Collectors.groupingBy(Outcome::node, TreeMap::new, Collectors.counting()));
        return String.format("%d requests, %d failed, per node %s", outcomes.size(), failures(outcomes).size(),
                perNode);
    }

    private static double percentile(List<Outcome> outcomes, double quantile) {
        long[] latencies = outcomes.stream().mapToLong(Outcome::latencyNanos).sorted().toArray();
        return latencies.length == 0 ? 0 : latencies[(int) Math.min(latencies.length - 1,
                Math.floor(quantile * latencies.length))] / 1e6;
    }

    private static List<String> models(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> String.format("m%03d", i)).toList();
    }

    private static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }

    private static void note(String scenario, String line) {
        RESULTS.computeIfAbsent(scenario, s -> new ArrayList<>()).add(line);
        System.out.println("[" + scenario + "] " + line);
    }

    /** {@value #MODELS} copies of tiny_encoder, each named by its folder, and nothing in it writable. */
    private static Path sharedReadOnlyRepository(Path repository) throws IOException {
        if (Files.exists(repository)) {
            try (Stream<Path> old = Files.walk(repository)) {
                old.forEach(path -> path.toFile().setWritable(true));
            }
            try (Stream<Path> old = Files.walk(repository)) {
                for (Path path : (Iterable<Path>) old.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(path);
                }
            }
        }
        Path example = Path.of(System.getProperty("gantry.root"), MODEL);
        String config = Files.readString(example.resolve("config.pbtxt")).replaceFirst("(?m)^name: .*\\n", "");
        byte[] weights = Files.readAllBytes(example.resolve("1/model.pt"));
        for (String model : models(0, MODELS)) {
            Path folder = Files.createDirectories(repository.resolve(model).resolve("1"));
            Files.writeString(repository.resolve(model).resolve("config.pbtxt"), config);
            Files.write(folder.resolve("model.pt"), weights);
        }
        try (Stream<Path> all = Files.walk(repository)) {
            all.forEach(path -> path.toFile().setWritable(false, false));
        }
        return repository;
    }
}
