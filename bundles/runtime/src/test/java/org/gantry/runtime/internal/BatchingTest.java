package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelStatistics;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Triton's dynamic batching: stacking, splitting, shapes that cannot stack, ordering, and instances. */
class BatchingTest {

    @RegisterExtension
    final ScalingRuntime runtime = ScalingRuntime.seeingVersions(TestModels.config(0));
    private final ScalingBackend backend = runtime.backend;
    private final VersionRegistry versions = runtime.versions;
    private final ExecutorService callers = runtime.callers;

    /** A batched scaling model (factor 2) with dynamic batching and the given instance count. */
    private void addModel(String name, int instances, boolean preserveOrdering, List<Integer> preferred) {
        ModelConfig base = scaleConfig(name, 8, null, Map.of("factor", "2"));
        runtime.repository.add(base.toBuilder()
                .instanceGroups(List.of(new InstanceGroup("", instances, InstanceGroup.Kind.CPU, List.of())))
                .dynamicBatching(new DynamicBatching(preferred, 0, preserveOrdering, 0, 0, null, Map.of())).build(),
                1L);
    }

    /** A request of {@code rows} rows of {@code width} values each, starting at {@code first}. */
    private static InferenceRequest rows(float first, int rows, int width) {
        float[] values = new float[rows * width];
        for (int i = 0; i < values.length; i++) {
            values[i] = first + i;
        }
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { rows, width }, values)));
    }

    private Future<InferenceResponse> send(String model, InferenceRequest request) {
        return callers.submit(() -> runtime.manager.infer(model, null, request));
    }

    /**
     * Loads a one-instance batched model and starts a request (value 100, width 2) that holds the instance until
     * {@code backend.inferGate} opens, so that what is sent next queues.
     */
    private Future<InferenceResponse> loadAndBlock(String model) throws InterruptedException {
        addModel(model, 1, false, List.of());
        runtime.manager.load(model);
        backend.inferGate = new CountDownLatch(1);
        Future<InferenceResponse> blocker = send(model, rows(100, 1, 2));
        awaitTrue(() -> backend.executionOrder.size() == 1);
        return blocker;
    }

    /** Loads a two-instance model and starts a request (value 1) that holds one instance until {@code slow} opens. */
    private Future<InferenceResponse> holdOneOfTwoInstances(String model, boolean preserveOrdering,
            CountDownLatch slow) throws InterruptedException {
        addModel(model, 2, preserveOrdering, List.of());
        runtime.manager.load(model);
        backend.gatesByFirstValue.put(1f, slow);
        Future<InferenceResponse> first = send(model, rows(1, 1, 1));
        awaitTrue(() -> backend.executionOrder.contains(1f));
        return first;
    }

    @Test
    void queuedRequestsRunAsOneBatchAndEachGetsItsOwnRows() throws Exception {
        Future<InferenceResponse> blocker = loadAndBlock("batched");
        List<InferenceRequest> requests = List.of(rows(0, 1, 2), rows(10, 2, 2), rows(20, 1, 2), rows(30, 3, 2));
        List<Future<InferenceResponse>> answers = new ArrayList<>();
        for (InferenceRequest request : requests) {
            answers.add(send("batched", request));
        }
        awaitTrue(() -> TestModels.queued(versions, "batched", 1) == requests.size());

        backend.inferGate.countDown();

        blocker.get();
        for (int r = 0; r < requests.size(); r++) {
            float[] expected = floats(requests.get(r).inputs().get(0));
            for (int i = 0; i < expected.length; i++) {
                expected[i] *= 2;
            }
            InferenceResponse answer = answers.get(r).get();
            assertArrayEquals(expected, floats(answer.outputs().get(0)), "request " + r);
            assertArrayEquals(requests.get(r).inputs().get(0).shape(), answer.outputs().get(0).shape());
        }
        assertEquals(2, backend.executionOrder.size(), "the blocker, then one batch of 7 rows");
        ModelStatistics stats = runtime.manager.statistics("batched", "1").get(0);
        assertEquals(2, stats.executionCount());
        assertEquals(8, stats.inferenceCount());
        assertEquals(List.of(1L, 7L), stats.batchStats().stream().map(ModelStatistics.BatchStatistics::batchSize)
                .toList());
    }

    @Test
    void requestsWhoseShapesDifferRunInSeparateBatchesAndNoBatchExceedsTheMaximum() throws Exception {
        Future<InferenceResponse> blocker = loadAndBlock("batched");
        List<Future<InferenceResponse>> narrow = List.of(send("batched", rows(0, 5, 2)));
        awaitTrue(() -> TestModels.queued(versions, "batched", 1) == 1);
        Future<InferenceResponse> wide = send("batched", rows(50, 1, 3));
        awaitTrue(() -> TestModels.queued(versions, "batched", 1) == 2);
        Future<InferenceResponse> tooMany = send("batched", rows(60, 4, 2)); // 5 + 4 rows > 8
        awaitTrue(() -> TestModels.queued(versions, "batched", 1) == 3);

        backend.inferGate.countDown();

        blocker.get();
        assertArrayEquals(new float[] { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18 },
                floats(narrow.get(0).get().outputs().get(0)));
        assertArrayEquals(new float[] { 100, 102, 104 }, floats(wide.get().outputs().get(0)));
        assertEquals(8, floats(tooMany.get().outputs().get(0)).length);
        assertEquals(4, backend.executionOrder.size(), "blocker, then 3 batches: shapes and sizes keep them apart");
    }

    @Test
    void preserveOrderingHoldsALaterAnswerUntilEarlierOnesLeave() throws Exception {
        CountDownLatch slow = new CountDownLatch(1);
        Future<InferenceResponse> first = holdOneOfTwoInstances("ordered", true, slow);
        Future<InferenceResponse> second = send("ordered", rows(2, 1, 1));
        awaitTrue(() -> backend.finishedExecutions.get() == 1); // the second ran on the other instance

        assertFalse(second.isDone(), "an answer overtook an earlier request");
        slow.countDown();
        assertArrayEquals(new float[] { 2 }, floats(first.get().outputs().get(0)));
        assertArrayEquals(new float[] { 4 }, floats(second.get().outputs().get(0)));
    }

    @Test
    void eachInstanceIsLoadedWithALeaseOfItsOwnAndAllAreFreedOnUnload() throws Exception {
        addModel("twice", 2, false, List.of());

        runtime.manager.load("twice");

        assertEquals(2, backend.loads.get());
        ModelStatistics stats = runtime.manager.statistics("twice", "1").get(0);
        assertEquals(2, stats.memoryUsage().size(), "one memory_usage entry per instance: " + stats.memoryUsage());
        runtime.manager.unload("twice");
        assertEquals(2, backend.closes.get());
        assertEquals(0, backend.open.get());
        assertTrue(runtime.manager.statistics("twice", "1").get(0).memoryUsage().isEmpty());
    }

    @Test
    void withoutPreserveOrderingTwoInstancesAnswerIndependently() throws Exception {
        CountDownLatch slow = new CountDownLatch(1);
        Future<InferenceResponse> first = holdOneOfTwoInstances("parallel", false, slow);

        InferenceResponse second = send("parallel", rows(2, 1, 1)).get(10, TimeUnit.SECONDS);

        assertArrayEquals(new float[] { 4 }, floats(second.outputs().get(0)));
        assertFalse(first.isDone());
        slow.countDown();
        first.get();
    }
}
