package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.floats;
import static org.gantry.runtime.internal.TestModels.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelManagerTest {

    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null), TestModels.config(0));
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private static InferenceRequest request(float... values) {
        return new InferenceRequest("req-1", null, List.of(fp32("INPUT__0", new long[] { values.length }, values)), null);
    }

    @Test
    void firstRequestLoadsTheNewestVersionAndEchoesTheId() {
        repository.add(scaleConfig("scale", 0, null), 1L, 3L);
        assertFalse(manager.isModelReady("scale", null));

        InferenceResponse response = manager.infer("scale", null, request(1, 2));

        assertEquals("3", response.modelVersion());
        assertEquals("req-1", response.id());
        assertArrayEquals(new float[] { 3, 6 }, floats(response.outputs().get(0)));
        assertTrue(manager.isModelReady("scale", "3"));
        assertFalse(manager.isModelReady("scale", "1"));
    }

    @Test
    void concurrentFirstRequestsShareOneLoad() throws Exception {
        repository.add(scaleConfig("scale", 0, null), 2L);
        backend.loadGate = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<InferenceResponse>> responses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                responses.add(callers.submit(() -> manager.infer("scale", null, request(5))));
            }
            Thread.sleep(200); // let every caller reach the load
            backend.loadGate.countDown();
            for (Future<InferenceResponse> response : responses) {
                assertArrayEquals(new float[] { 10 }, floats(response.get().outputs().get(0)));
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(1, backend.loads.get());
    }

    @Test
    void versionPolicyDecidesWhichVersionsServe() {
        repository.add(scaleConfig("all", 0, new VersionPolicy.All()), 1L, 2L);
        repository.add(scaleConfig("specific", 0, new VersionPolicy.Specific(new TreeSet<>(Set.of(1L)))), 1L, 2L);

        assertEquals("1", manager.infer("all", "1", request(1)).modelVersion());
        assertEquals("2", manager.infer("all", "2", request(1)).modelVersion());
        assertEquals("1", manager.infer("specific", null, request(1)).modelVersion());
        GantryException notServed = assertThrows(GantryException.class, () -> manager.infer("specific", "2", request(1)));
        assertEquals(ErrorKind.NOT_FOUND, notServed.kind());

        manager.load("all");
        assertEquals(List.of(1L, 2L), backend.loadedVersions.stream().filter(v -> v <= 2).distinct().sorted().toList());
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        repository.add(scaleConfig("scale", 0, null), 1L);
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> manager.infer("nope", null, request(1))).kind());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> manager.infer("scale", "7", request(1))).kind());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> manager.infer("scale", "x1", request(1))).kind());
        assertFalse(manager.isModelReady("nope", null));
    }

    @Test
    void badRequestsAreRejectedAndTheModelKeepsServing() {
        repository.add(scaleConfig("scale", 0, null), 1L);
        InferenceRequest wrongName = new InferenceRequest(null, null, List.of(fp32("x", new long[] { 1 }, 1)), null);
        GantryException error = assertThrows(GantryException.class, () -> manager.infer("scale", null, wrongName));
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        assertTrue(error.getMessage().contains("no input named 'x'"), error.getMessage());
        assertArrayEquals(new float[] { 4 }, floats(manager.infer("scale", null, request(4)).outputs().get(0)));
    }

    @Test
    void failedLoadIsReportedWithItsReasonAndRetried() {
        repository.add(scaleConfig("broken", 0, null), 1L);
        backend.failWith = "model.pt is not a TorchScript archive";

        GantryException onInfer = assertThrows(GantryException.class, () -> manager.infer("broken", null, request(1)));
        assertEquals(ErrorKind.UNAVAILABLE, onInfer.kind());
        assertTrue(onInfer.getMessage().contains("not a TorchScript archive"), onInfer.getMessage());
        GantryException onLoad = assertThrows(GantryException.class, () -> manager.load("broken"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, onLoad.kind());
        ModelStatus status = manager.index().stream().filter(s -> s.name().equals("broken")).findFirst().orElseThrow();
        assertEquals(ModelState.FAILED, status.state());
        assertTrue(status.reason().contains("not a TorchScript archive"));

        backend.failWith = null; // the artifact was fixed: the next request loads it
        assertEquals("1", manager.infer("broken", null, request(1)).modelVersion());
    }

    @Test
    void removingTheBackendUnloadsItsModelsWithAReason() {
        repository.add(scaleConfig("scale", 0, null), 1L);
        manager.infer("scale", null, request(1));

        manager.removeBackend(backend);

        assertEquals(1, backend.closes.get());
        assertFalse(manager.isModelReady("scale", null));
        ModelStatus status = manager.index().get(0);
        assertEquals(ModelState.UNAVAILABLE, status.state());
        assertTrue(status.reason().contains("backend 'test' was stopped"), status.reason());
        GantryException error = assertThrows(GantryException.class, () -> manager.infer("scale", null, request(1)));
        assertEquals(ErrorKind.UNAVAILABLE, error.kind());
        assertTrue(error.getMessage().contains("no backend for platform 'test_platform'"), error.getMessage());

        manager.addBackend(backend); // a backend returns: the model loads again on demand
        assertEquals("1", manager.infer("scale", null, request(1)).modelVersion());
    }

    @Test
    void requestsWaitForABackendThatIsBeingReplacedAndNoneFails() throws Exception {
        manager.deactivate();
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null),
                TestModels.config(0, false, 1024, 10));
        manager.addBackend(backend);
        repository.add(scaleConfig("scale", 0, null, java.util.Map.of("factor", "3")), 1L);
        manager.infer("scale", null, request(1));
        ExecutorService clients = Executors.newFixedThreadPool(4);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Future<Integer>> traffic = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            traffic.add(clients.submit(() -> {
                int answered = 0;
                while (running.get()) {
                    assertArrayEquals(new float[] { 6 }, floats(manager.infer("scale", null, request(2)).outputs()
                            .get(0)));
                    answered++;
                }
                return answered;
            }));
        }
        ScalingBackend replacement = new ScalingBackend();
        for (int update = 0; update < 5; update++) { // as bundle:update does: the old service goes, a new one comes
            ScalingBackend old = update % 2 == 0 ? backend : replacement;
            ScalingBackend next = update % 2 == 0 ? replacement : backend;
            Thread.sleep(50);
            manager.removeBackend(old);
            Thread.sleep(100); // requests arriving now wait instead of failing
            manager.addBackend(next);
        }
        Thread.sleep(50);
        running.set(false);
        for (Future<Integer> client : traffic) {
            assertTrue(client.get() > 0); // get() rethrows any failed request
        }
        clients.shutdown();
        assertEquals(0, backend.closedUnderARequest.get() + replacement.closedUnderARequest.get());
        assertEquals(backend.loads.get() + replacement.loads.get() - 1,
                backend.closes.get() + replacement.closes.get(), "every load but the current one was closed");
    }

    @Test
    void unloadClosesTheModelAndTheNextRequestReloadsIt() {
        repository.add(scaleConfig("scale", 0, null), 1L);
        manager.load("scale");
        assertTrue(manager.isModelReady("scale", "1"));

        manager.unload("scale");

        assertEquals(1, backend.closes.get());
        assertFalse(manager.isModelReady("scale", null));
        manager.infer("scale", null, request(1));
        assertEquals(2, backend.loads.get());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(GantryException.class, () -> manager.unload("nope")).kind());
    }

    @Test
    void metadataShowsTheBatchDimension() {
        repository.add(scaleConfig("batched", 4, null), 1L);
        var metadata = manager.metadata("batched", null);
        assertEquals(List.of("1"), metadata.versions());
        assertEquals("test_platform", metadata.platform());
        assertEquals(List.of(-1L, -1L), metadata.inputs().get(0).shape());
    }

    @Test
    void listenersFollowALoadPhaseByPhaseAndEachAdmittedInference() {
        repository.add(scaleConfig("phased", 0, null), 1L);
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void loadPhaseStarted(String model, long version, org.gantry.api.server.LoadPhase phase) {
                events.add(phase.name());
            }

            @Override
            public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
                events.add("loaded");
            }

            @Override
            public void inferenceStarted(String model, long version) {
                events.add("started " + model + "/" + version);
            }

            @Override
            public void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
                events.add("completed " + model + "/" + version);
            }
        });

        manager.infer("phased", null, request(1, 2));

        assertEquals(List.of("READ", "RESERVE_MEMORY", "DESERIALISE", "loaded", "started phased/1",
                "completed phased/1"), events, "no warm-up phase where none is configured");
    }

    @Test
    void aFailedLoadTellsTheListenersWhy() {
        repository.add(scaleConfig("broken", 0, null), 1L);
        backend.failWith = "the weights are truncated";
        List<String> reasons = new ArrayList<>();
        List<String> oldStyle = new ArrayList<>();
        manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void modelLoadFailed(String model, long version, String reason) {
                reasons.add(model + "/" + version + ": " + reason);
            }
        });
        manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void modelLoadFailed(String model, long version) {
                oldStyle.add(model + "/" + version);
            }
        });

        assertThrows(GantryException.class, () -> manager.load("broken"));

        assertEquals(List.of("broken/1: the weights are truncated"), reasons);
        assertEquals(List.of("broken/1"), oldStyle, "listeners written against API 1.2 still hear of failures");
    }
}
