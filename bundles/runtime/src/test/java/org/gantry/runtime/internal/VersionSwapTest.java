package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.Traffic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new version loads beside the old one, takes the traffic at once when ready, and the old one drains. */
class VersionSwapTest {

    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        // A failed load is not retried for a minute: the failed version's state stays FAILED while asserted.
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null), TestModels.config(60));
        manager.addBackend(backend);
        repository.add(scaleConfig("scale", 0, null), 1L); // answers value × version
        manager.infer("scale", null, request());
    }

    @AfterEach
    void stop() {
        backend.loadGate.countDown();
        clients.shutdownNow();
        manager.deactivate();
    }

    private static InferenceRequest request() {
        return InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1)));
    }

    @Test
    void trafficSwitchesToTheNewVersionOnceItIsReadyAndTheOldOneUnloads() throws Exception {
        Traffic<Integer> traffic = Traffic.start(4,
                () -> (int) floats(manager.infer("scale", null, request()).outputs().get(0))[0]);
        backend.loadGate = new CountDownLatch(1); // version 2 takes its time to load
        repository.add(scaleConfig("scale", 0, null), 1L, 2L);
        Future<?> load = clients.submit(() -> manager.load("scale"));
        awaitTrue(() -> manager.index().stream().anyMatch(s -> s.version().equals("2")
                && s.state() == ModelState.LOADING));
        Thread.sleep(50); // traffic keeps flowing on version 1 meanwhile

        backend.loadGate.countDown();
        load.get();
        awaitTrue(() -> !manager.isModelReady("scale", "1"));
        Thread.sleep(50);

        for (List<Integer> versions : traffic.stop()) { // rethrows a failed request
            int switches = 0;
            for (int i = 1; i < versions.size(); i++) {
                assertTrue(versions.get(i) >= versions.get(i - 1), "went back to an old version: " + versions);
                switches += versions.get(i) > versions.get(i - 1) ? 1 : 0;
            }
            assertEquals(1, versions.get(0));
            assertEquals(2, versions.get(versions.size() - 1));
            assertEquals(1, switches);
        }
    }

    @Test
    void aNewVersionThatFailsToLoadLeavesTheOldOneServing() {
        backend.failWith = "version 2 is corrupt";
        repository.add(scaleConfig("scale", 0, null), 1L, 2L);

        GantryException failure = assertThrows(GantryException.class, () -> manager.load("scale"));

        assertTrue(failure.getMessage().contains("corrupt"), failure.getMessage());
        assertEquals(1f, floats(manager.infer("scale", null, request()).outputs().get(0))[0]);
        assertTrue(manager.isModelReady("scale", "1"));
        assertFalse(manager.isModelReady("scale", "2"));
        ModelStatus newVersion = manager.index().stream().filter(s -> s.version().equals("2")).findFirst()
                .orElseThrow();
        assertEquals(ModelState.FAILED, newVersion.state());
        assertTrue(newVersion.reason().contains("corrupt"), newVersion.reason());
    }
}
