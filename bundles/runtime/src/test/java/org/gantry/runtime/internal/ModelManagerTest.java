package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.Traffic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ModelManagerTest {

    @RegisterExtension
    final ScalingRuntime runtime = ScalingRuntime.roomy();
    private final ScalingBackend backend = runtime.backend;

    private static InferenceRequest request(float... values) {
        return new InferenceRequest("req-1", null, List.of(fp32("INPUT__0", new long[] { values.length }, values)),
                null);
    }

    @Test
    void firstRequestLoadsTheNewestVersionAndEchoesTheId() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L, 3L);
        assertFalse(runtime.manager.isModelReady("scale", null));

        InferenceResponse response = runtime.manager.infer("scale", null, request(1, 2));

        assertEquals("3", response.modelVersion());
        assertEquals("req-1", response.id());
        assertArrayEquals(new float[] { 3, 6 }, floats(response.outputs().get(0)));
        assertTrue(runtime.manager.isModelReady("scale", "3"));
        assertFalse(runtime.manager.isModelReady("scale", "1"));
    }

    @Test
    void concurrentFirstRequestsShareOneLoad() throws Exception {
        runtime.repository.add(scaleConfig("scale", 0, null), 2L);
        backend.loadGate = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<InferenceResponse>> responses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                responses.add(callers.submit(() -> runtime.manager.infer("scale", null, request(5))));
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
        runtime.repository.add(scaleConfig("all", 0, new VersionPolicy.All()), 1L, 2L);
        runtime.repository.add(scaleConfig("specific", 0, new VersionPolicy.Specific(new TreeSet<>(Set.of(1L)))), 1L,
                2L);

        assertEquals("1", runtime.manager.infer("all", "1", request(1)).modelVersion());
        assertEquals("2", runtime.manager.infer("all", "2", request(1)).modelVersion());
        assertEquals("1", runtime.manager.infer("specific", null, request(1)).modelVersion());
        GantryException notServed = assertThrows(GantryException.class,
                () -> runtime.manager.infer("specific", "2", request(1)));
        assertEquals(ErrorKind.NOT_FOUND, notServed.kind());

        runtime.manager.load("all");
        assertEquals(List.of(1L, 2L), backend.loadedVersions.stream().filter(v -> v <= 2).distinct().sorted().toList());
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.infer("nope", null, request(1))).kind());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.infer("scale", "7", request(1))).kind());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.infer("scale", "x1", request(1))).kind());
        assertFalse(runtime.manager.isModelReady("nope", null));
    }

    @Test
    void badRequestsAreRejectedAndTheModelKeepsServing() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        InferenceRequest wrongName = new InferenceRequest(null, null, List.of(fp32("x", new long[] { 1 }, 1)), null);
        GantryException error = assertThrows(GantryException.class,
                () -> runtime.manager.infer("scale", null, wrongName));
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        assertTrue(error.getMessage().contains("no input named 'x'"), error.getMessage());
        assertArrayEquals(new float[] { 4 }, floats(runtime.manager.infer("scale", null, request(4)).outputs().get(0)));
    }

    @Test
    void failedLoadIsReportedWithItsReasonAndRetried() {
        runtime.repository.add(scaleConfig("broken", 0, null), 1L);
        backend.failWith = "model.pt is not a TorchScript archive";

        GantryException onInfer = assertThrows(GantryException.class,
                () -> runtime.manager.infer("broken", null, request(1)));
        assertEquals(ErrorKind.UNAVAILABLE, onInfer.kind());
        assertTrue(onInfer.getMessage().contains("not a TorchScript archive"), onInfer.getMessage());
        GantryException onLoad = assertThrows(GantryException.class, () -> runtime.manager.load("broken"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, onLoad.kind());
        ModelStatus status = runtime.manager.index().stream().filter(s -> s.name().equals("broken")).findFirst()
                .orElseThrow();
        assertEquals(ModelState.FAILED, status.state());
        assertTrue(status.reason().contains("not a TorchScript archive"));

        backend.failWith = null; // the artifact was fixed: the next request loads it
        assertEquals("1", runtime.manager.infer("broken", null, request(1)).modelVersion());
    }

    @Test
    void removingTheBackendUnloadsItsModelsWithAReason() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        runtime.manager.infer("scale", null, request(1));

        runtime.manager.removeBackend(backend);

        assertEquals(1, backend.closes.get());
        assertFalse(runtime.manager.isModelReady("scale", null));
        ModelStatus status = runtime.manager.index().get(0);
        assertEquals(ModelState.UNAVAILABLE, status.state());
        assertTrue(status.reason().contains("backend 'test' was stopped"), status.reason());
        GantryException error = assertThrows(GantryException.class,
                () -> runtime.manager.infer("scale", null, request(1)));
        assertEquals(ErrorKind.UNAVAILABLE, error.kind());
        assertTrue(error.getMessage().contains("no backend for platform 'test_platform'"), error.getMessage());

        runtime.manager.addBackend(backend); // a backend returns: the model loads again on demand
        assertEquals("1", runtime.manager.infer("scale", null, request(1)).modelVersion());
    }

    @Test
    void requestsWaitForABackendThatIsBeingReplacedAndNoneFails() throws Exception {
        runtime.restart(TestModels.config(0, false, 1024, 10));
        runtime.repository.add(scaleConfig("scale", 0, null, java.util.Map.of("factor", "3")), 1L);
        runtime.manager.infer("scale", null, request(1));
        Traffic<float[]> traffic = Traffic.start(4,
                () -> floats(runtime.manager.infer("scale", null, request(2)).outputs().get(0)));
        ScalingBackend replacement = new ScalingBackend();
        for (int update = 0; update < 5; update++) { // as bundle:update does: the old service goes, a new one comes
            ScalingBackend old = update % 2 == 0 ? backend : replacement;
            ScalingBackend next = update % 2 == 0 ? replacement : backend;
            Thread.sleep(50);
            runtime.manager.removeBackend(old);
            Thread.sleep(100); // requests arriving now wait instead of failing
            runtime.manager.addBackend(next);
        }
        Thread.sleep(50);
        for (List<float[]> answers : traffic.stop()) { // rethrows any failed request
            answers.forEach(answer -> assertArrayEquals(new float[] { 6 }, answer));
        }
        assertEquals(0, backend.closedUnderARequest.get() + replacement.closedUnderARequest.get());
        assertEquals(backend.loads.get() + replacement.loads.get() - 1,
                backend.closes.get() + replacement.closes.get(), "every load but the current one was closed");
    }

    @Test
    void unloadClosesTheModelAndTheNextRequestReloadsIt() {
        runtime.repository.add(scaleConfig("scale", 0, null), 1L);
        runtime.manager.load("scale");
        assertTrue(runtime.manager.isModelReady("scale", "1"));

        runtime.manager.unload("scale");

        assertEquals(1, backend.closes.get());
        assertFalse(runtime.manager.isModelReady("scale", null));
        runtime.manager.infer("scale", null, request(1));
        assertEquals(2, backend.loads.get());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(GantryException.class, () -> runtime.manager.unload("nope")).kind());
    }

    @Test
    void metadataShowsTheBatchDimension() {
        runtime.repository.add(scaleConfig("batched", 4, null), 1L);
        var metadata = runtime.manager.metadata("batched", null);
        assertEquals(List.of("1"), metadata.versions());
        assertEquals("test_platform", metadata.platform());
        assertEquals(List.of(-1L, -1L), metadata.inputs().get(0).shape());
    }

    @Test
    void listenersFollowALoadPhaseByPhaseAndEachAdmittedInference() {
        runtime.repository.add(scaleConfig("phased", 0, null), 1L);
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        runtime.manager.addListener(new org.gantry.api.server.ModelEventListener() {
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

        runtime.manager.infer("phased", null, request(1, 2));

        assertEquals(List.of("READ", "RESERVE_MEMORY", "DESERIALISE", "loaded", "started phased/1",
                "completed phased/1"), events, "no warm-up phase where none is configured");
    }

    @Test
    void aFailedLoadTellsTheListenersWhy() {
        runtime.repository.add(scaleConfig("broken", 0, null), 1L);
        backend.failWith = "the weights are truncated";
        List<String> reasons = new ArrayList<>();
        List<String> oldStyle = new ArrayList<>();
        runtime.manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void modelLoadFailed(String model, long version, String reason) {
                reasons.add(model + "/" + version + ": " + reason);
            }
        });
        runtime.manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void modelLoadFailed(String model, long version) {
                oldStyle.add(model + "/" + version);
            }
        });

        assertThrows(GantryException.class, () -> runtime.manager.load("broken"));

        assertEquals(List.of("broken/1: the weights are truncated"), reasons);
        assertEquals(List.of("broken/1"), oldStyle, "listeners written against API 1.2 still hear of failures");
    }
}
