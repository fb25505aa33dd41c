package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.loadedVersion;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.Test;

/** The request path alone, on versions loaded by hand: admission, statistics, events, failures, streams. */
class RequestExecutorTest {

    private final MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
    private final ScalingBackend backend = new ScalingBackend();
    private final ModelVersion loaded = loadedVersion(scaleConfig("m", 0, null, Map.of("factor", "3")), 1, backend,
            memory);
    /** What admission answers, in turn; when empty, {@link #loaded}. */
    private final Deque<ModelVersion> resolutions = new ArrayDeque<>();
    private final List<String> events = new ArrayList<>();
    private final RequestExecutor executor;

    RequestExecutorTest() {
        ModelEvents listeners = new ModelEvents();
        listeners.add(new ModelEventListener() {
            @Override
            public void inferenceStarted(String model, long version) {
                events.add("started " + model + "/" + version);
            }

            @Override
            public void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
                events.add((success ? "succeeded " : "failed ") + model + "/" + version);
            }
        });
        executor = new RequestExecutor((model, version, deadline) -> {
            ModelVersion next = resolutions.isEmpty() ? loaded : resolutions.poll();
            next.expectIfReady();
            return next;
        }, listeners, new MemoryRetry(memory), 10);
    }

    private static InferenceRequest request(float... values) {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { values.length }, values)));
    }

    @Test
    void aRequestRunsOnTheVersionItWasAdmittedToAndCountsInItsStatistics() {
        InferenceResponse response = executor.infer("m", null, request(1, 2));

        assertArrayEquals(new float[] { 3, 6 }, floats(response.outputs().get(0)));
        assertEquals("1", response.modelVersion());
        ModelStatistics statistics = loaded.statistics().snapshot("m", 1, List.of());
        assertEquals(1, statistics.success().count());
        assertEquals(1, statistics.executionCount());
        assertEquals(List.of("started m/1", "succeeded m/1"), events);
    }

    @Test
    void aVersionEvictedBeforeTheRequestGotToItIsAdmittedAgain() {
        resolutions.add(new ModelVersion("m", 1)); // unloaded by the time the request acquires it

        assertArrayEquals(new float[] { 3 }, floats(executor.infer("m", null, request(1)).outputs().get(0)));
    }

    @Test
    void aRequestGivesUpAfterItsVersionWasEvictedAsOftenAsAllowed() {
        for (int i = 0; i < RequestExecutor.MAX_ADMISSION_ATTEMPTS; i++) {
            resolutions.add(new ModelVersion("m", 1));
        }

        GantryException unavailable = assertThrows(GantryException.class, () -> executor.infer("m", null,
                request(1)));

        assertEquals(ErrorKind.UNAVAILABLE, unavailable.kind());
        assertTrue(unavailable.getMessage().contains("unloaded 5 times"), unavailable.getMessage());
        assertEquals(List.of(), events, "a request never admitted neither started nor completed");
    }

    @Test
    void anEngineOutOfMemoryWithNothingToEvictFailsTheRequestAndCountsAsAFailure() {
        backend.inferOutOfMemory.set(1);

        GantryException outOfMemory = assertThrows(GantryException.class, () -> executor.infer("m", null,
                request(1)));

        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, outOfMemory.kind());
        assertEquals(1, loaded.statistics().snapshot("m", 1, List.of()).fail().count());
        assertEquals(List.of("started m/1", "failed m/1"), events);
        assertArrayEquals(new float[] { 3 }, floats(executor.infer("m", null, request(1)).outputs().get(0)),
                "the next request runs");
    }

    @Test
    void aStreamEndsWithAFinalResponseEvenWhenTheModelDidNotMarkOne() {
        List<InferenceResponse> responses = new ArrayList<>();

        executor.inferStream("m", null, request(2), responses::add);

        assertEquals(Boolean.TRUE, responses.get(responses.size() - 1).parameters().get(ModelServer.FINAL_RESPONSE));
        assertArrayEquals(new float[] { 6 }, floats(responses.get(0).outputs().get(0)));
    }
}
