package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.memory.MemoryReport;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic a multi-model server exists for, as a new user tried it: twice as many models as the budget holds,
 * eight clients each picking a model at random, every request keeping its model busy for a moment; meanwhile
 * loads, unloads, pins and a restart of the backend service.
 */
class ContentionTest {

    private static final int MODELS = 12;
    private static final long FOOTPRINT = 1000;
    private static final long BUDGET = MODELS / 2 * FOOTPRINT;
    private static final int CLIENTS = 8;
    private static final int REQUESTS_PER_CLIENT = 500;

    private final ScalingBackend backend = new ScalingBackend();
    private MemoryManagerImpl memory;
    private ModelManager manager;

    @BeforeEach
    void start(@TempDir Path models) {
        MemoryRepository repository = new MemoryRepository(models);
        for (int i = 0; i < MODELS; i++) {
            // The first load grows from the artifact's estimate to the footprint; later loads reserve what it learned.
            repository.add(scaleConfig("m" + i, 0, null, Map.of("factor", Integer.toString(i + 1), "footprint",
                    Long.toString(FOOTPRINT), "work_micros", "300")), 1L);
        }
        memory = MemoryManagerImpl.forHost(BUDGET, null);
        // Requests wait for a restarting backend rather than fail.
        manager = new ModelManager(repository, memory, TestModels.config(0, false, 1024, 10));
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private static InferenceRequest request(float value) {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, value)));
    }

    @Test
    void twiceAsManyModelsAsMemoryEightClientsAndOperatorsFailNoRequestAndStayInTheBudget() throws Exception {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger wrongAnswers = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> overBudget = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger samplesWithWaiters = new AtomicInteger();
        AtomicLong samples = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                MemoryReport.DeviceMemory host = memory.report().devices().get(0);
                samples.incrementAndGet();
                if (host.usedBytes() + host.freeingBytes() > host.budgetBytes()) {
                    overBudget.add(host.usedBytes() + " used + " + host.freeingBytes() + " freeing");
                }
                if (host.waiting() > 0) {
                    samplesWithWaiters.incrementAndGet();
                }
            }
        });
        sampler.start();

        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
        List<Future<?>> work = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            work.add(clients.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                    int model = random.nextInt(MODELS);
                    float value = random.nextInt(1000);
                    try {
                        float[] answer = floats(manager.infer("m" + model, null, request(value)).outputs().get(0));
                        answers.incrementAndGet();
                        if (answer.length != 1 || answer[0] != value * (model + 1)) {
                            wrongAnswers.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failures.add("m" + model + ": " + e);
                    }
                }
            }));
        }
        AtomicInteger operations = new AtomicInteger();
        Future<?> operator = clients.submit(() -> operate(work, operations, failures));
        for (Future<?> client : work) {
            client.get(3, TimeUnit.MINUTES);
        }
        operator.get(1, TimeUnit.MINUTES);
        clients.shutdown();
        running.set(false);
        sampler.join();

        assertEquals(List.of(), failures.subList(0, Math.min(3, failures.size())), failures.size() + " failed");
        assertEquals(CLIENTS * REQUESTS_PER_CLIENT, answers.get());
        assertEquals(0, wrongAnswers.get(), "wrong answers");
        assertEquals(List.of(), overBudget.subList(0, Math.min(3, overBudget.size())),
                overBudget.size() + " of " + samples.get() + " samples over the budget of " + BUDGET);
        assertTrue(operations.get() >= 8, "operations: " + operations.get());
        assertTrue(samplesWithWaiters.get() > 0 && memory.report().evictions() > MODELS,
                "loads waited for room and models were evicted: the contention was real");
        assertEquals(0, backend.closedUnderARequest.get(), "a model was closed under a running request");
        MemoryReport.DeviceMemory host = memory.report().devices().get(0);
        assertEquals(host.models().size(), backend.open.get(), "every open model holds a lease, and only those");
        assertEquals(host.models().size() * FOOTPRINT, host.usedBytes());
        assertEquals(0, host.freeingBytes());
        assertEquals(0, host.waiting());
    }

    /**
     * What an operator does meanwhile, in turns until the clients are done: loads and unloads at random, pins (two at
     * most, so that room remains) and unpins, and once, halfway, a restart of the backend service.
     */
    private void operate(List<Future<?>> clients, AtomicInteger operations, List<String> failures) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<String> pinned = new ArrayList<>();
        boolean restarted = false;
        while (clients.stream().anyMatch(client -> !client.isDone())) {
            String model = "m" + random.nextInt(MODELS);
            try {
                switch (operations.getAndIncrement() % 4) {
                    case 0 -> manager.load(model);
                    case 1 -> manager.unload(model);
                    case 2 -> {
                        if (pinned.size() == 2) {
                            manager.pin(pinned.remove(0), false);
                        }
                        manager.pin(model, true);
                        pinned.add(model);
                    }
                    default -> {
                        if (!restarted && operations.get() > 8) {
                            manager.removeBackend(backend); // as when the backend's bundle is updated
                            Thread.sleep(20);
                            manager.addBackend(backend);
                            restarted = true;
                        }
                    }
                }
                Thread.sleep(5);
            } catch (RuntimeException | InterruptedException e) {
                failures.add("operator on " + model + ": " + e);
            }
        }
        pinned.forEach(model -> manager.pin(model, false));
        assertTrue(restarted, "the backend was restarted");
    }
}
