package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.server.ModelState;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.memory.internal.MemoryManagerImpl.Candidate;
import org.gantry.memory.internal.MemoryManagerImpl.EvictionDecision;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime and the real memory manager under pressure: far more models than fit, many clients. */
class MemoryPressureTest {

    private static final long BUDGET = 10_000;
    private static final long FOOTPRINT = 500;
    private static final int MODELS = 100; // 100 × 500 bytes = 5 × the budget

    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private MemoryManagerImpl memory;
    private ModelManager manager;

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        memory = MemoryManagerImpl.forHost(BUDGET, null);
        manager = new ModelManager(repository, memory, TestModels.config(0));
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private void addModel(String name, float factor, long footprint, boolean pinned) {
        repository.add(scaleConfig(name, 0, null, Map.of("factor", Float.toString(factor), "footprint",
                Long.toString(footprint), "pinned", Boolean.toString(pinned))), 1L);
    }

    private static InferenceRequest request(float value) {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, value)));
    }

    private long used() {
        return memory.report().devices().get(0).usedBytes();
    }

    @Test
    void hundredModelsFiveTimesTheBudgetConcurrentClientsNoFailure() throws Exception {
        for (int i = 0; i < MODELS; i++) {
            addModel("m" + i, i + 1, FOOTPRINT, false);
        }
        List<EvictionDecision> decisions = Collections.synchronizedList(new ArrayList<>());
        AtomicLong worstUsed = new AtomicLong();
        memory.observeEvictions(decision -> {
            decisions.add(decision);
            worstUsed.accumulateAndGet(used(), Math::max);
        });
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                worstUsed.accumulateAndGet(used(), Math::max);
            }
        });
        sampler.start();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger wrongAnswers = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int client = 0; client < 8; client++) {
            work.add(clients.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 250; i++) {
                    int model = random.nextInt(MODELS);
                    float value = random.nextInt(1000);
                    try {
                        float[] answer = floats(manager.infer("m" + model, null, request(value)).outputs().get(0));
                        if (answer[0] != value * (model + 1)) {
                            wrongAnswers.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        for (Future<?> future : work) {
            future.get(2, TimeUnit.MINUTES);
        }
        clients.shutdown();
        running.set(false);
        sampler.join();

        assertEquals(List.of(), failures.subList(0, Math.min(3, failures.size())),
                failures.size() + " failed requests");
        assertEquals(0, wrongAnswers.get(), "wrong answers");
        assertTrue(worstUsed.get() <= BUDGET, "used " + worstUsed.get() + " > budget " + BUDGET);
        assertTrue(decisions.size() > 100, "evictions: " + decisions.size());
        for (EvictionDecision decision : decisions) {
            List<Candidate> candidates = decision.candidates();
            for (int i = 1; i < candidates.size(); i++) {
                assertTrue(candidates.get(i - 1).lastUsedNanos() <= candidates.get(i).lastUsedNanos(), "LRU order");
            }
            // Every model used less recently than the victim was tried first and was busy.
            assertEquals(candidates.subList(0, decision.busySkipped().size()), decision.busySkipped());
            assertEquals(decision.victim(), candidates.get(decision.busySkipped().size()));
        }
        assertEquals(0, backend.closedUnderARequest.get(), "a model was closed under a running request");
        MemoryReport.DeviceMemory host = memory.report().devices().get(0);
        assertEquals(host.models().size(), backend.open.get(), "every open model holds a lease, and only those");
        assertEquals(host.models().size() * FOOTPRINT, host.usedBytes());
    }

    @Test
    void pinnedModelsStayAndAPinThroughTheApiToo() {
        addModel("pinned", 1, 4000, true);
        addModel("viaApi", 2, 4000, false);
        for (int i = 0; i < 10; i++) {
            addModel("other" + i, 3, 2000, false);
        }
        manager.infer("pinned", null, request(1));
        manager.pin("viaApi", true);
        manager.infer("viaApi", null, request(1));
        for (int i = 0; i < 10; i++) {
            manager.infer("other" + i, null, request(1));
        }
        assertTrue(manager.isModelReady("pinned", null));
        assertTrue(manager.isModelReady("viaApi", null));
        GantryException noRoom = assertThrows(GantryException.class, () -> {
            addModel("big", 1, 3000, false);
            manager.infer("big", null, request(1)); // 4000 + 4000 pinned: 2000 left, and big needs 3000
        });
        assertEquals(ErrorKind.UNAVAILABLE, noRoom.kind(), noRoom.getMessage());
        assertTrue(noRoom.getMessage().contains("pinned"), noRoom.getMessage());

        manager.pin("viaApi", false);
        assertEquals("1", manager.infer("big", null, request(1)).modelVersion());
        assertFalse(manager.isModelReady("viaApi", null), "unpinned, it was the least recently used");
    }

    @Test
    void aModelBiggerThanTheBudgetFailsWithInsufficientMemoryOnExplicitLoad() {
        // The estimate comes from the artifact (100 bytes × 1.5); the measured footprint is 20000.
        addModel("huge", 1, 20_000, false);
        addModel("small", 1, 500, false);
        manager.infer("small", null, request(1));
        GantryException onLoad = assertThrows(GantryException.class, () -> manager.load("huge"));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, onLoad.kind());
        assertTrue(onLoad.getMessage().contains("budget"), onLoad.getMessage());
        assertEquals(1, backend.open.get(), "the huge model was closed again");
        assertEquals(500, used());
        assertTrue(manager.isModelReady("small", null), "nothing else was disturbed");
        assertEquals(ModelState.FAILED, manager.index().stream().filter(s -> s.name().equals("huge")).findFirst()
                .orElseThrow().state());
    }

    @Test
    void aLoadWaitsForABusyModelAndEvictsItOnceIdleNeverUnderItsRequest() throws Exception {
        addModel("busy", 1, 6000, false);
        addModel("next", 2, 6000, false);
        manager.infer("busy", null, request(1));
        CountDownLatch gate = new CountDownLatch(1);
        backend.gatesByFirstValue.put(7f, gate);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<float[]> held = pool.submit(() -> floats(manager.infer("busy", null, request(7)).outputs().get(0)));
        Await.awaitTrue(() -> backend.executionOrder.contains(7f)); // the request runs inside "busy"

        Future<?> load = pool.submit(() -> manager.load("next"));
        Await.awaitTrue(() -> memory.report().devices().get(0).waiting() == 1);
        assertTrue(manager.isModelReady("busy", null), "not evicted under its request");
        assertFalse(load.isDone(), "the load waits instead of failing");

        gate.countDown();
        load.get(10, TimeUnit.SECONDS);
        assertArrayEquals(new float[] { 7 }, held.get(10, TimeUnit.SECONDS));
        pool.shutdown();
        assertFalse(manager.isModelReady("busy", null), "idle, it made room");
        assertTrue(manager.isModelReady("next", null));
        assertEquals(0, backend.closedUnderARequest.get());
    }

    @Test
    void aLoadThatWaitedTooLongIs503WithRetryAfterAndTheNextRequestTriesAgain() throws Exception {
        manager.deactivate(); // a failed load would be replayed for a minute, if it were replayed
        manager = new ModelManager(repository, memory, TestModels.withLoadWait(TestModels.config(60), 1));
        manager.addBackend(backend);
        addModel("busy", 1, 6000, false);
        addModel("next", 2, 6000, false);
        manager.infer("busy", null, request(1));
        CountDownLatch gate = new CountDownLatch(1);
        backend.gatesByFirstValue.put(7f, gate);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> held = pool.submit(() -> manager.infer("busy", null, request(7)));
        Await.awaitTrue(() -> backend.executionOrder.contains(7f));

        GantryException waited = assertThrows(GantryException.class, () -> manager.infer("next", null, request(1)));
        assertEquals(ErrorKind.UNAVAILABLE, waited.kind(), waited.getMessage());
        assertEquals(1, waited.retryAfterSeconds().orElse(0), waited.getMessage());
        assertTrue(waited.getMessage().contains("waited") && waited.getMessage().contains("1 busy model(s) hold 5.9"
                + " KiB"), waited.getMessage());

        gate.countDown();
        held.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        assertArrayEquals(new float[] { 2 }, floats(manager.infer("next", null, request(1)).outputs().get(0)),
                "not the replayed failure: a new load");
    }

    @Test
    void anEngineOutOfMemoryEvictsAndRetriesOnce() {
        addModel("a", 1, 3000, false);
        addModel("b", 2, 3000, false);
        addModel("c", 3, 3000, false);
        manager.infer("a", null, request(1));
        manager.infer("b", null, request(1));

        backend.loadOutOfMemory.set(1);
        assertArrayEquals(new float[] { 3 }, floats(manager.infer("c", null, request(1)).outputs().get(0)));
        assertFalse(manager.isModelReady("a", null), "the least recently used model made room");

        backend.inferOutOfMemory.set(1);
        assertArrayEquals(new float[] { 6 }, floats(manager.infer("c", null, request(2)).outputs().get(0)));
        assertFalse(manager.isModelReady("b", null));

        manager.infer("a", null, request(1)); // something to evict again
        backend.inferOutOfMemory.set(2); // fails again after the retry: 507 for that request only
        GantryException twice = assertThrows(GantryException.class, () -> manager.infer("c", null, request(3)));
        assertEquals(ErrorKind.INSUFFICIENT_MEMORY, twice.kind());
        assertArrayEquals(new float[] { 12 }, floats(manager.infer("c", null, request(4)).outputs().get(0)));
    }

    @Test
    void theFirstLoadOfAnArtifactMeasuresWhatTheEngineTookAndLaterLoadsReuseIt() {
        // 32 MiB, so that what other threads allocate and free meanwhile (compiler and collector arenas: up to 10 MiB
        // more, or 5 less, on a machine busy with other builds) stays within the tolerance; half of it still tells
        // the engine's measured footprint from the backend's declared 100 bytes.
        repository.add(scaleConfig("heavy", 0, null, Map.of("footprint", "100", "native_overhead",
                Integer.toString(32 << 20))), 1L);
        memory = MemoryManagerImpl.forHost(64L << 20, null);
        manager.deactivate();
        manager = new ModelManager(repository, memory, TestModels.config(0, true));
        manager.addBackend(backend);

        manager.infer("heavy", null, request(1));
        long measured = used();
        assertTrue(measured >= 16 << 20 && measured <= 48 << 20, "measured " + measured);

        manager.unload("heavy");
        assertEquals(0, used());
        manager.infer("heavy", null, request(1));
        assertEquals(measured, used(), "the learned footprint, not the backend's 100 bytes");
    }

    @Test
    void listenersHearColdStartsEvictionsAndInferences() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        manager.addListener(new org.gantry.api.server.ModelEventListener() {
            @Override
            public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
                events.add("loaded " + model + (coldStart ? " cold" : " explicit"));
            }

            @Override
            public void modelUnloaded(String model, long version, boolean evicted) {
                events.add("unloaded " + model + (evicted ? " evicted" : ""));
            }

            @Override
            public void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
                events.add("inference " + model + (success ? " ok" : " failed"));
            }
        });
        addModel("a", 1, 6000, false);
        addModel("b", 2, 6000, false);
        manager.infer("a", null, request(1));
        manager.load("b");
        assertThrows(GantryException.class, () -> manager.infer("b", null,
                InferenceRequest.of(List.of(fp32("wrong", new long[] { 1 }, 1)))));
        assertEquals(List.of("loaded a cold", "inference a ok", "unloaded a evicted", "loaded b explicit",
                "inference b failed"), events);
    }
}
