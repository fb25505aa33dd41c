package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.QueuePolicy;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.ModelStatistics;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request parameters {@code priority} and {@code timeout}, queue bounds, batch statistics and streaming. */
class SchedulingTest {

    private static final int SERVER_QUEUE_BOUND = 2;

    @RegisterExtension
    final ScalingRuntime runtime = ScalingRuntime.seeingVersions(TestModels.config(0, false, SERVER_QUEUE_BOUND));
    private final ScalingBackend backend = runtime.backend;
    private final VersionRegistry versions = runtime.versions;
    private final ExecutorService callers = runtime.callers;

    private static InferenceRequest request(Map<String, Object> parameters, float... values) {
        return new InferenceRequest(null, parameters, List.of(fp32("INPUT__0", new long[] { values.length }, values)),
                null);
    }

    private static ModelConfig withBatching(ModelConfig config, DynamicBatching batching) {
        return config.toBuilder().dynamicBatching(batching).build();
    }

    /** A model whose queue keeps {@code policy} (no batching, no priority levels). */
    private void addWithQueuePolicy(String model, QueuePolicy policy) {
        runtime.repository.add(withBatching(scaleConfig(model, 0, null),
                new DynamicBatching(List.of(), 0, false, 0, 0, policy, Map.of())), 1L);
    }

    /** Loads the model, then holds its only execution slot with a request that waits at the gate. */
    private Future<InferenceResponse> occupy(String model) throws Exception {
        runtime.manager.load(model);
        backend.inferGate = new CountDownLatch(1);
        Future<InferenceResponse> busy = callers.submit(() -> runtime.manager.infer(model, null, request(Map.of(), 0)));
        awaitTrue(() -> backend.executionOrder.size() == 1);
        return busy;
    }

    private Future<InferenceResponse> queue(String model, Map<String, Object> parameters, float value, int expected)
            throws Exception {
        Future<InferenceResponse> queued = callers
                .submit(() -> runtime.manager.infer(model, null, request(parameters, value)));
        awaitTrue(() -> TestModels.queued(versions, model, 1) == expected);
        return queued;
    }

    @Test
    void aFullQueueRefusesWithARetryHint() throws Exception {
        runtime.repository.add(scaleConfig("busy", 0, null), 1L);
        Future<InferenceResponse> running = occupy("busy");
        Future<InferenceResponse> first = queue("busy", Map.of(), 1, 1);
        Future<InferenceResponse> second = queue("busy", Map.of(), 2, 2);

        GantryException full = assertThrows(GantryException.class,
                () -> runtime.manager.infer("busy", null, request(Map.of(), 3)));

        assertEquals(ErrorKind.UNAVAILABLE, full.kind());
        assertTrue(full.retryAfterSeconds().isPresent());
        assertTrue(full.getMessage().contains("queue"), full.getMessage());
        backend.inferGate.countDown();
        assertArrayEquals(new float[] { 1 }, floats(first.get().outputs().get(0)));
        assertArrayEquals(new float[] { 2 }, floats(second.get().outputs().get(0)));
        running.get();
    }

    @Test
    void aRequestTimeoutExpiringInTheQueueIsATimeoutAndCountsAsQueueTime() throws Exception {
        runtime.repository.add(scaleConfig("busy", 0, null), 1L);
        Future<InferenceResponse> running = occupy("busy");

        GantryException timedOut = assertThrows(GantryException.class,
                () -> runtime.manager.infer("busy", null, request(Map.of("timeout", 20_000), 1)));

        assertEquals(ErrorKind.TIMEOUT, timedOut.kind());
        assertTrue(timedOut.getMessage().contains("20000 µs"), timedOut.getMessage());
        backend.inferGate.countDown();
        running.get();
        ModelStatistics stats = runtime.manager.statistics("busy", "1").get(0);
        assertEquals(1, stats.fail().count());
        assertEquals(1, stats.success().count());
        assertTrue(stats.fail().nanos() >= TimeUnit.MICROSECONDS.toNanos(20_000));
    }

    @Test
    void higherPriorityRequestsAreServedFirst() throws Exception {
        runtime.repository.add(withBatching(scaleConfig("ranked", 0, null),
                new DynamicBatching(List.of(), 0, false, 2, 2, null, Map.of())), 1L);
        Future<InferenceResponse> running = occupy("ranked");
        // Arrival order: low, default (= 2, low), high.
        Future<InferenceResponse> low = queue("ranked", Map.of("priority", 2), 20, 1);
        Future<InferenceResponse> byDefault = queue("ranked", Map.of(), 21, 2);
        Future<InferenceResponse> high = queue("ranked", Map.of("priority", 1), 10, 3);

        backend.inferGate.countDown();
        running.get();
        low.get();
        byDefault.get();
        high.get();

        assertEquals(List.of(0f, 10f, 20f, 21f), backend.executionOrder);
        GantryException outOfRange = assertThrows(GantryException.class,
                () -> runtime.manager.infer("ranked", null, request(Map.of("priority", 3), 1)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, outOfRange.kind());
    }

    @Test
    void theDelayActionMovesATimedOutRequestBehindTheOthers() throws Exception {
        QueuePolicy delay = new QueuePolicy(QueuePolicy.TimeoutAction.DELAY, 0, true, 10);
        addWithQueuePolicy("patient", delay);
        Future<InferenceResponse> running = occupy("patient");
        Future<InferenceResponse> expiring = queue("patient", Map.of("timeout", 1_000), 1, 1);
        Thread.sleep(20); // its timeout passes while it waits
        Future<InferenceResponse> later = queue("patient", Map.of(), 2, 2);

        backend.inferGate.countDown();
        running.get();

        assertArrayEquals(new float[] { 1 }, floats(expiring.get().outputs().get(0)));
        later.get();
        assertEquals(List.of(0f, 2f, 1f), backend.executionOrder);
    }

    @Test
    void aModelPolicyBoundsItsQueueBelowTheServerBound() throws Exception {
        QueuePolicy one = new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 0, true, 1);
        addWithQueuePolicy("narrow", one);
        Future<InferenceResponse> running = occupy("narrow");
        Future<InferenceResponse> waiting = queue("narrow", Map.of(), 1, 1);

        GantryException full = assertThrows(GantryException.class,
                () -> runtime.manager.infer("narrow", null, request(Map.of(), 2)));

        assertEquals(ErrorKind.UNAVAILABLE, full.kind());
        backend.inferGate.countDown();
        waiting.get();
        running.get();
    }

    @Test
    void badSchedulingParametersAreTheCallersError() {
        runtime.repository.add(scaleConfig("plain", 0, null), 1L);
        for (Object bad : List.of(-1, 1.5, "soon")) {
            GantryException e = assertThrows(GantryException.class,
                    () -> runtime.manager.infer("plain", null, request(Map.of("timeout", bad), 1)));
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        }
    }

    @Test
    void batchStatisticsCountExecutionsPerBatchSize() {
        runtime.repository.add(scaleConfig("batched", 8, null), 1L);
        for (int rows : new int[] { 2, 2, 3 }) {
            float[] values = new float[rows];
            runtime.manager.infer("batched", null, new InferenceRequest(null, null,
                    List.of(fp32("INPUT__0", new long[] { rows, 1 }, values)), null));
        }

        ModelStatistics stats = runtime.manager.statistics("batched", "1").get(0);

        assertEquals(7, stats.inferenceCount());
        assertEquals(3, stats.executionCount());
        assertEquals(List.of(2L, 3L), stats.batchStats().stream().map(ModelStatistics.BatchStatistics::batchSize)
                .toList());
        assertEquals(2, stats.batchStats().get(0).computeInfer().count());
        assertEquals(1, stats.batchStats().get(1).computeInfer().count());
    }

    @Test
    void aStreamingModelDeliversEachResponseInOrderWithTheLastMarked() {
        runtime.repository.add(
                scaleConfig("chatty", 0, null, Map.of("responses", "3", "factor", "1", "knows_end", "true")),
                1L);
        List<InferenceResponse> responses = new ArrayList<>();

        runtime.manager.inferStream("chatty", null, request(Map.of(), 2), responses::add);

        assertEquals(3, responses.size());
        for (int k = 1; k <= 3; k++) {
            assertArrayEquals(new float[] { 2 * k }, floats(responses.get(k - 1).outputs().get(0)));
            assertEquals("1", responses.get(k - 1).modelVersion());
            assertEquals(k == 3, responses.get(k - 1).parameters().get(ModelServer.FINAL_RESPONSE));
        }
    }

    @Test
    void aStreamThatEndsUnmarkedIsClosedWithAnEmptyFinalResponse() {
        runtime.repository.add(scaleConfig("chatty", 0, null, Map.of("responses", "2", "factor", "1")), 1L);
        List<InferenceResponse> responses = new ArrayList<>();

        runtime.manager.inferStream("chatty", null, request(Map.of(), 2), responses::add);

        assertEquals(List.of(false, false, true), responses.stream()
                .map(r -> r.parameters().get(ModelServer.FINAL_RESPONSE)).toList());
        assertTrue(responses.get(2).outputs().isEmpty());
        InferenceResponse plain = runtime.manager.infer("chatty", null, request(Map.of(), 2));
        assertTrue(plain.parameters().isEmpty());
    }

    @Test
    void aModelTakesAsManyRequestsAtOnceAsItsConcurrencyPerInstance() throws Exception {
        runtime.repository.add(scaleConfig("wide", 0, null, Map.of("concurrency", "3", "factor", "2")), 1L);
        runtime.manager.load("wide");
        backend.inferGate = new CountDownLatch(1);
        List<Future<InferenceResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float value = i;
            answers.add(callers.submit(() -> runtime.manager.infer("wide", null, request(Map.of(), value))));
        }

        // One instance, concurrency 3: three requests inside the model together, the fourth waits for a slot.
        awaitTrue(() -> backend.executionOrder.size() == 3 && TestModels.queued(versions, "wide", 1) == 1);
        backend.inferGate.countDown();
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new float[] { 2 * i }, floats(answers.get(i).get(10, TimeUnit.SECONDS).outputs().get(0)));
        }
        assertEquals(4, backend.executionOrder.size());
    }

    @Test
    void aModelOfDefaultConcurrencyRunsOneRequestAtATime() throws Exception {
        runtime.repository.add(scaleConfig("narrow", 0, null, Map.of("factor", "1")), 1L);
        runtime.manager.load("narrow");
        backend.inferGate = new CountDownLatch(1);
        List<Future<InferenceResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            answers.add(callers.submit(() -> runtime.manager.infer("narrow", null, request(Map.of(), 1))));
        }

        awaitTrue(() -> backend.executionOrder.size() == 1 && TestModels.queued(versions, "narrow", 1) == 1);
        backend.inferGate.countDown();
        for (Future<InferenceResponse> answer : answers) {
            answer.get(10, TimeUnit.SECONDS);
        }
    }
}
