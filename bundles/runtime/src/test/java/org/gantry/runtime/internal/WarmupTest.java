package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.ModelWarmup;
import org.gantry.api.model.WarmupInput;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelState;
import org.gantry.api.tensor.DataType;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's model_warmup: run before the model is READY, so the first request never races it. */
class WarmupTest {

    private Path root;
    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;
    private final AtomicLong warmupNanos = new AtomicLong(-1);
    private final List<org.gantry.api.server.LoadPhase> phases = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeEach
    void start(@TempDir Path models) {
        root = models;
        repository = new MemoryRepository(models);
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null), TestModels.config(0));
        manager.addBackend(backend);
        manager.addListener(new ModelEventListener() {
            @Override
            public void modelWarmedUp(String model, long version, long durationNanos) {
                warmupNanos.set(durationNanos);
            }

            @Override
            public void loadPhaseStarted(String model, long version, org.gantry.api.server.LoadPhase phase) {
                phases.add(phase);
            }
        });
    }

    @AfterEach
    void stop() {
        backend.inferGate.countDown();
        callers.shutdownNow();
        manager.deactivate();
    }

    private void addWithWarmup(String name, WarmupInput input, int batchSize, int count) {
        ModelConfig base = scaleConfig(name, 4, null, Map.of("factor", "1"));
        repository.add(base.toBuilder()
                .warmup(List.of(new ModelWarmup("warm", batchSize, Map.of("INPUT__0", input), count))).build(), 1L);
    }

    private static InferenceRequest request(float value) {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1, 1 }, value)));
    }

    @Test
    void warmUpRunsBeforeReadyAndTheFirstRequestWaitsForIt() throws Exception {
        addWithWarmup("warm", new WarmupInput(DataType.FP32, List.of(3L), WarmupInput.Source.ZERO, ""), 2, 3);
        backend.inferGate = new CountDownLatch(1);

        Future<InferenceResponse> first = callers.submit(() -> manager.infer("warm", null, request(7)));
        awaitTrue(() -> !backend.executionOrder.isEmpty(), "the warm-up request never ran");
        assertEquals(ModelState.LOADING, manager.index().get(0).state(), "not ready while warming up");
        backend.inferGate.countDown();
        first.get(10, TimeUnit.SECONDS);

        assertEquals(List.of(0f, 0f, 0f, 7f), backend.executionOrder, "three warm-ups, then the request");
        assertTrue(warmupNanos.get() > 0, "the warm-up time is reported");
        assertEquals(org.gantry.api.server.LoadPhase.WARM_UP, phases.get(phases.size() - 1),
                "the warm-up is the load's last phase");
    }

    @Test
    void fileDataComesFromTheModelsWarmupFolder() throws Exception {
        addWithWarmup("from_file", new WarmupInput(DataType.FP32, List.of(2L), WarmupInput.Source.FILE, "input.bin"),
                1, 1);
        Path folder = Files.createDirectories(root.resolve("from_file").resolve("warmup"));
        Files.write(folder.resolve("input.bin"),
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(4.5f).putFloat(1).array());

        manager.load("from_file");

        assertEquals(List.of(4.5f), backend.executionOrder);
    }

    @Test
    void aFailingWarmUpFailsTheLoadWithItsReason() {
        addWithWarmup("broken", new WarmupInput(DataType.FP32, List.of(2L), WarmupInput.Source.FILE, "missing.bin"),
                1, 1);

        GantryException failure = assertThrows(GantryException.class, () -> manager.load("broken"));

        assertTrue(failure.getMessage().contains("missing.bin"), failure.getMessage());
        assertEquals(ModelState.FAILED, manager.index().get(0).state());
        assertTrue(manager.index().get(0).reason().contains("warm-up"), manager.index().get(0).reason());
    }
}
