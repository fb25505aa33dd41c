package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The execution queue alone: slots, priority levels, queue bounds, deadlines and dynamic batching. */
class ExecutionQueueTest {

    private final ExecutionQueue queue = new ExecutionQueue("model 'm' version 1");
    private final ExecutorService callers = Executors.newCachedThreadPool();
    /** Held closed, keeps the slot busy: the first request to run waits for it. */
    private final CountDownLatch busy = new CountDownLatch(1);
    /** Each batch as the runner got it: the first input value of every request in it. */
    private final List<List<Float>> batches = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        busy.countDown();
        callers.shutdownNow();
    }

    private static InferenceRequest request(float value) {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1, 1 }, value)));
    }

    private static ExecutionQueue.Ticket ticket(int level, int maxQueued) {
        return new ExecutionQueue.Ticket(level, ExecutionQueue.NO_DEADLINE, false, maxQueued, 0);
    }

    /** Doubles each request's input; the request of value 0 holds its slot until {@link #busy} opens. */
    private List<List<Tensor>> run(List<InferenceRequest> batch, int instance) {
        List<Float> values = batch.stream().map(r -> floats(r.inputs().get(0))[0]).toList();
        batches.add(values);
        if (values.contains(0f)) {
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return values.stream().map(v -> List.of(fp32("OUTPUT__0", new long[] { 1, 1 }, v * 2))).toList();
    }

    private Future<float[]> submit(float value, ExecutionQueue.Ticket ticket, boolean stackable) {
        return callers.submit(() -> floats(queue.submit(request(value), 1, stackable, ticket, this::run).outputs()
                .get(0)));
    }

    /** Occupies the only slot with the request of value 0 and returns it. */
    private Future<float[]> occupySlot() throws InterruptedException {
        Future<float[]> first = submit(0, ticket(1, 10), false);
        awaitTrue(() -> batches.size() == 1);
        return first;
    }

    @Test
    void aRequestRunsOnTheCallersOwnThreadWhenASlotIsFree() {
        Thread caller = Thread.currentThread();
        Thread[] ranOn = new Thread[1];

        ExecutionQueue.Outcome outcome = queue.submit(request(3), 1, true, ticket(1, 10), (batch, instance) -> {
            ranOn[0] = Thread.currentThread();
            return List.of(List.of(fp32("OUTPUT__0", new long[] { 1 }, 6)));
        });

        assertSame(caller, ranOn[0]);
        assertArrayEquals(new float[] { 6 }, floats(outcome.outputs().get(0)));
        assertEquals(0, queue.waiting());
    }

    @Test
    void requestsThatWaitedForTheSlotRunAsOneBatchAndEachGetsItsOwnOutputs() throws Exception {
        queue.configure(1, new ExecutionQueue.Batching(8, List.of(), 0, false));
        Future<float[]> first = occupySlot();
        List<Future<float[]>> waiting = List.of(submit(1, ticket(1, 10), true), submit(2, ticket(1, 10), true),
                submit(3, ticket(1, 10), true));
        awaitTrue(() -> queue.waiting() == 3);

        busy.countDown();

        assertArrayEquals(new float[] { 0 }, first.get(10, TimeUnit.SECONDS));
        for (int i = 0; i < waiting.size(); i++) {
            assertArrayEquals(new float[] { (i + 1) * 2f }, waiting.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(2, batches.size(), "one batch for the three that waited: " + batches);
        assertEquals(List.of(1f, 2f, 3f), batches.get(1).stream().sorted().toList());
    }

    @Test
    void withoutBatchingWaitingRequestsRunOneAtATimeHigherPriorityLevelFirst() throws Exception {
        Future<float[]> first = occupySlot();
        Future<float[]> low = submit(2, ticket(2, 10), true);
        awaitTrue(() -> queue.waiting() == 1);
        Future<float[]> high = submit(1, ticket(1, 10), true);
        awaitTrue(() -> queue.waiting() == 2);

        busy.countDown();
        first.get(10, TimeUnit.SECONDS);
        low.get(10, TimeUnit.SECONDS);
        high.get(10, TimeUnit.SECONDS);

        assertEquals(List.of(List.of(0f), List.of(1f), List.of(2f)), batches);
    }

    @Test
    void aRequestBeyondItsLevelsQueueBoundIsRefusedAtOnceWithARetryHint() throws Exception {
        occupySlot();
        submit(1, ticket(1, 1), true);
        awaitTrue(() -> queue.waiting() == 1);

        GantryException refused = assertThrows(GantryException.class,
                () -> queue.submit(request(2), 1, true, ticket(1, 1), this::run));

        assertEquals(ErrorKind.UNAVAILABLE, refused.kind());
        assertEquals(1, refused.retryAfterSeconds().orElse(0));
        submit(3, ticket(2, 1), true); // another level has a bound of its own
        awaitTrue(() -> queue.waiting() == 2);
    }

    @Test
    void aRequestWhoseDeadlinePassesInTheQueueTimesOutAndLeavesIt() throws Exception {
        occupySlot();
        ExecutionQueue.Ticket soon = new ExecutionQueue.Ticket(1, System.nanoTime() + TimeUnit.MILLISECONDS
                .toNanos(50), false, 10, 50_000);

        GantryException timedOut = assertThrows(GantryException.class,
                () -> queue.submit(request(1), 1, true, soon, this::run));

        assertEquals(ErrorKind.TIMEOUT, timedOut.kind());
        assertEquals(0, queue.waiting());
    }

    @Test
    void withTheDelayActionATimedOutRequestRunsAfterTheOthersInstead() throws Exception {
        Future<float[]> first = occupySlot();
        ExecutionQueue.Ticket passed = new ExecutionQueue.Ticket(1, System.nanoTime() - 1, true, 10, 20_000);
        Future<float[]> delayed = submit(1, passed, false);
        awaitTrue(() -> queue.waiting() == 1);
        Future<float[]> onTime = submit(2, ticket(5, 10), false);
        awaitTrue(() -> queue.waiting() == 2);

        busy.countDown();
        first.get(10, TimeUnit.SECONDS);

        assertArrayEquals(new float[] { 2 }, delayed.get(10, TimeUnit.SECONDS));
        onTime.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(List.of(0f), List.of(2f), List.of(1f)), batches);
    }

    @Test
    void aBatchThatFailsFailsEveryRequestInItWithTheSameError() throws Exception {
        queue.configure(1, new ExecutionQueue.Batching(8, List.of(), 0, false));
        Future<float[]> first = occupySlot();
        ExecutionQueue.Runner failing = (batch, instance) -> {
            throw GantryException.invalidArgument("bad batch of %d", batch.size());
        };
        List<Future<?>> waiting = List.of(
                callers.submit(() -> queue.submit(request(1), 1, true, ticket(1, 10), failing)),
                callers.submit(() -> queue.submit(request(2), 1, true, ticket(1, 10), failing)));
        awaitTrue(() -> queue.waiting() == 2);

        busy.countDown();
        first.get(10, TimeUnit.SECONDS);

        for (Future<?> request : waiting) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> request.get(10,
                    TimeUnit.SECONDS));
            assertEquals("bad batch of 2", failed.getCause().getMessage());
        }
    }

    @Test
    void eachSlotRunsOneRequestAtOnceOnItsOwnInstance() throws Exception {
        queue.configure(2, ExecutionQueue.Batching.NONE);
        CountDownLatch bothRunning = new CountDownLatch(2);
        List<Integer> instances = Collections.synchronizedList(new ArrayList<>());
        ExecutionQueue.Runner meet = (batch, instance) -> {
            instances.add(instance);
            bothRunning.countDown();
            try {
                bothRunning.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(List.of());
        };

        Future<?> one = callers.submit(() -> queue.submit(request(1), 1, true, ticket(1, 10), meet));
        Future<?> two = callers.submit(() -> queue.submit(request(2), 1, true, ticket(1, 10), meet));
        one.get(10, TimeUnit.SECONDS);
        two.get(10, TimeUnit.SECONDS);

        assertEquals(List.of(0, 1), instances.stream().sorted().toList());
    }

    /**
     * A finished request or a new slot wakes one waiting caller, not all of them; yet when two slots free up at once,
     * two waiting requests must both start, neither waiting for the other to finish.
     */
    @Test
    void waitingRequestsTakeEveryFreeSlotAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutionQueue.Runner hold = (batch, instance) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(List.of());
        };
        CountDownLatch bothRunning = new CountDownLatch(2);
        ExecutionQueue.Runner meet = (batch, instance) -> {
            bothRunning.countDown();
            try {
                // Each waits for the other to be running too: one started only after the other finished fails here.
                assertTrue(bothRunning.await(10, TimeUnit.SECONDS), "the other waiting request never started");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(List.of());
        };
        Future<?> holder = callers.submit(() -> queue.submit(request(1), 1, false, ticket(1, 10), hold));
        awaitTrue(() -> queue.waiting() == 0);
        List<Future<?>> waiters = List.of(
                callers.submit(() -> queue.submit(request(2), 1, false, ticket(1, 10), meet)),
                callers.submit(() -> queue.submit(request(3), 1, false, ticket(1, 10), meet)));
        awaitTrue(() -> queue.waiting() == 2);

        queue.configure(3, ExecutionQueue.Batching.NONE); // two more slots while the first is still held

        for (Future<?> waiter : waiters) {
            waiter.get(20, TimeUnit.SECONDS);
        }
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
    }
}
