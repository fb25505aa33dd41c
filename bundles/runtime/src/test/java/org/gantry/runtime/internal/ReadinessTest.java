package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelState;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model readiness when models load on their first request: ready means a request would be served now. */
class ReadinessTest {

    @TempDir
    Path root;
    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;

    private void start(String mode) {
        repository = new MemoryRepository(root);
        // A failed load is not retried for a minute, so the failure is what a request gets while asserted.
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null),
                TestModels.config(60, false, 1024, 0, mode));
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private void infer(String model) {
        manager.infer(model, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1))));
    }

    @Test
    void theServerIsReadyOnlyWhileItsStartUpConditionHolds() {
        manager = new ModelManager(new MemoryRepository(root), MemoryManagerImpl.forHost(1L << 30, null),
                TestModels.config(60, false, 1024, 0, "on-demand"));
        assertFalse(manager.isReady(), "until DS binds the start-up condition (TRUE by default)");

        manager.setStartup(null);
        assertTrue(manager.isReady());

        manager.unsetStartup(null);
        assertFalse(manager.isReady(), "the configured start-up condition went");
    }

    @Test
    void aModelThatARequestWouldLoadIsReadyBeforeItsFirstRequestYetNotResident() {
        start("on-demand");
        repository.add(scaleConfig("scale", 0, null), 1L);

        assertTrue(manager.willServe("scale", null));
        assertTrue(manager.willServe("scale", "1"));

        assertFalse(manager.isModelReady("scale", null), "not resident");
        assertEquals(ModelState.UNAVAILABLE, manager.index().get(0).state());
        assertEquals(0, backend.loads.get(), "asking loads nothing");
        infer("scale");
        assertTrue(manager.willServe("scale", null));
    }

    @Test
    void aModelThatARequestCouldNotGetServedIsNotReady() throws Exception {
        start("on-demand");
        repository.add(new ModelConfig("orphan", "no_backend_platform", "", 0, null, null, null, null, null, null),
                1L);
        repository.add(scaleConfig("huge", 0, null), 1L);
        try (RandomAccessFile sparse = new RandomAccessFile(root.resolve("huge/1/model.bin").toFile(), "rw")) {
            sparse.setLength(2L << 30); // twice the budget, before the backend's factor
        }
        repository.add(scaleConfig("broken", 0, null), 1L);
        backend.failWith = "corrupt weights";
        assertThrows(GantryException.class, () -> infer("broken"));
        backend.failWith = null;
        repository.add(scaleConfig("scale", 0, null), 1L);

        assertFalse(manager.willServe("orphan", null), "no backend serves it");
        assertFalse(manager.willServe("huge", null), "it cannot fit");
        assertFalse(manager.willServe("broken", null), "its load just failed");
        assertFalse(manager.willServe("scale", "7"), "no such version");
        assertFalse(manager.willServe("nothing", null), "no such model");
        assertTrue(manager.willServe("scale", null));
    }

    @Test
    void inExplicitModeOnlyALoadedModelIsReady() {
        start("explicit");
        repository.add(scaleConfig("scale", 0, null), 1L);

        assertFalse(manager.willServe("scale", null));
        manager.load("scale");
        assertTrue(manager.willServe("scale", null));
    }
}
