package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.server.ModelServer;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.Tolerance;
import org.junit.jupiter.api.Test;

class ShadowRunnerTest {

    private final AtomicInteger calls = new AtomicInteger();
    private final ShadowTally tally = new ShadowTally();

    /** A shadow that answers like the primary once {@code together} copies are in it at the same time. */
    private ModelServer shadowAnsweringInGroupsOf(int together) {
        return shadowAnsweringInGroupsOf(together, 5000);
    }

    /** As above, where copies of one group reach the shadow within {@code withinMillis} of each other. */
    private ModelServer shadowAnsweringInGroupsOf(int together, long withinMillis) {
        CyclicBarrier group = new CyclicBarrier(together);
        return (ModelServer) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { ModelServer.class },
                (proxy, method, args) -> {
                    if (!method.getName().equals("infer")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    calls.incrementAndGet();
                    try {
                        group.await(withinMillis, TimeUnit.MILLISECONDS);
                    } catch (BrokenBarrierException | TimeoutException alone) {
                        throw new IllegalStateException("the copy came without the rest of its group");
                    }
                    return answer();
                });
    }

    private static TrafficConfig config(int threads, int batchWaitMillis) {
        return (TrafficConfig) Proxy.newProxyInstance(TrafficConfig.class.getClassLoader(),
                new Class<?>[] { TrafficConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "shadowThreads" -> threads;
                    case "shadowBatchWaitMillis" -> batchWaitMillis;
                    case "shadowQueueSize" -> 64;
                    case "shadowMemoryHeadroomPercent" -> 0;
                    case "settingsRefreshSeconds" -> 5;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A runner of {@code threads} threads that sends the copies to {@code shadow}. */
    private static ShadowRunner runner(ModelServer shadow, int threads, int batchWaitMillis) {
        return new ShadowRunner(() -> shadow, null, config(threads, batchWaitMillis));
    }

    private static InferenceResponse answer() {
        ByteBuffer data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 2f);
        return new InferenceResponse("primary", "1", null, Map.of(),
                List.of(Tensor.of("y", DataType.FP32, new long[] { 1 }, data)));
    }

    private static Exchange exchange() {
        return new Exchange("primary", "1", false, new InferenceRequest(null, Map.of(), List.of(), List.of()),
                answer(), 0, 0);
    }

    private static TrafficSettings shadowBatching(int batchSize) {
        return new TrafficSettings(null, null, 0, "candidate", null, 100, Tolerance.DEFAULT, 0, batchSize);
    }

    private void awaitCompared(TrafficSettings settings, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tally.report(settings).compared() + tally.failed.sum() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void copiesToABatchingShadowGoTogetherSoItsBatcherRunsThemAsOneBatch() throws InterruptedException {
        TrafficSettings settings = shadowBatching(4);
        try (ShadowRunner runner = runner(shadowAnsweringInGroupsOf(4), 16, 60_000)) {
            for (int i = 0; i < 3; i++) {
                runner.offer(exchange(), settings, tally);
            }
            Thread.sleep(200);
            assertEquals(0, calls.get(), "three copies wait for the fourth");
            runner.offer(exchange(), settings, tally);
            awaitCompared(settings, 4);
        }
        assertEquals(4, tally.report(settings).compared());
        assertEquals(0, tally.failed.sum(), "all four were in the shadow at once");
        assertEquals(0, tally.report(settings).disagreed());
    }

    @Test
    void copiesWaitingForTheirGroupGoAfterTheBatchWait() throws InterruptedException {
        TrafficSettings settings = shadowBatching(16);
        try (ShadowRunner runner = runner(shadowAnsweringInGroupsOf(1), 16, 20)) {
            runner.offer(exchange(), settings, tally);
            awaitCompared(settings, 1);
        }
        assertEquals(1, tally.report(settings).compared(), "a lone copy is not held back for ever");
    }

    @Test
    void aGroupWaitsFromItsFirstCopyNotFromAClockOfItsOwn() throws InterruptedException {
        TrafficSettings settings = shadowBatching(16);
        ModelServer shadow = shadowAnsweringInGroupsOf(2, 250); // sent apart, they would arrive 400 ms apart
        try (ShadowRunner runner = runner(shadow, 16, 400)) {
            Thread.sleep(300); // a clock started with the runner would send the first copy alone 100 ms from now
            runner.offer(exchange(), settings, tally);
            Thread.sleep(200);
            runner.offer(exchange(), settings, tally);
            awaitCompared(settings, 2);
        }
        assertEquals(2, tally.report(settings).compared());
        assertEquals(0, tally.failed.sum(), "both copies went together, 400 ms after the first");
    }

    @Test
    void copiesToAShadowWithoutBatchingGoOneByOne() throws InterruptedException {
        TrafficSettings settings = shadowBatching(1);
        try (ShadowRunner runner = runner(shadowAnsweringInGroupsOf(1), 2, 60_000)) {
            runner.offer(exchange(), settings, tally);
            runner.offer(exchange(), settings, tally);
            awaitCompared(settings, 2);
        }
        assertEquals(2, tally.report(settings).compared());
        assertEquals(2, calls.get());
    }
}
