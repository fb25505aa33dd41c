package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model control modes: explicit (only load requests load) and poll (the repository is watched). */
class ModelControlTest {

    @TempDir
    Path root;
    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;
    /** The poller of poll mode, without a timer: each test polls by hand. */
    private RepositoryPoller poller;

    private void start(String mode) {
        repository = new MemoryRepository(root);
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null),
                TestModels.config(60, false, 1024, 0, mode), new VersionRegistry(),
                actions -> poller = new RepositoryPoller(repository, actions, 0)); // polled by hand
        manager.addBackend(backend);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private float infer(String model) {
        return floats(manager.infer(model, null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 }, 1))))
                .outputs().get(0))[0];
    }

    /** Starts in poll mode with model 'scale' version 1 loaded by a first poll, the baseline of the next ones. */
    private void startPollingWhileScaleServes() {
        start("poll");
        repository.add(scaleConfig("scale", 0, null), 1L);
        poller.poll(); // the baseline
        assertEquals(1f, infer("scale"));
    }

    /** Writes {@code size} bytes to {@code file} of the repository, dated ahead: a copy still going on. */
    private void writeStillChanging(String file, int size) throws IOException {
        Path written = root.resolve(file);
        Files.write(written, new byte[size]);
        Files.setLastModifiedTime(written, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    }

    @Test
    void inExplicitModeOnlyALoadRequestLoadsAModel() {
        start("explicit");
        repository.add(scaleConfig("scale", 0, null), 1L);

        GantryException refused = assertThrows(GantryException.class, () -> infer("scale"));

        assertEquals(ErrorKind.UNAVAILABLE, refused.kind());
        assertTrue(refused.getMessage().contains("explicit"), refused.getMessage());
        assertEquals(0, backend.loads.get());
        manager.load("scale");
        assertEquals(1f, infer("scale"));
        manager.unload("scale");
        assertThrows(GantryException.class, () -> infer("scale"));
    }

    @Test
    void inPollModeANewVersionTakesOverOnceItsFilesStoppedChanging() throws Exception {
        startPollingWhileScaleServes();

        repository.add(scaleConfig("scale", 0, null), 1L, 2L); // version 2 is being copied in
        poller.poll();
        assertEquals(1f, infer("scale"), "a change is not acted on before it settled");
        writeStillChanging("scale/2/model.bin", 200); // the copy goes on
        poller.poll();
        assertEquals(1f, infer("scale"), "still changing");
        poller.poll(); // unchanged for an interval: now it loads and takes over

        assertEquals(2f, infer("scale"));
        Await.awaitTrue(() -> !manager.isModelReady("scale", "1"));
    }

    @Test
    void inPollModeChangedFilesLoadAgainBesideTheServingVersionWhichAnswersMeanwhile() throws Exception {
        startPollingWhileScaleServes();
        writeStillChanging("scale/1/model.bin", 300);
        poller.poll(); // seen changing
        backend.loadGate = new CountDownLatch(1);
        ExecutorService polling = Executors.newSingleThreadExecutor();
        try {
            Future<?> settled = polling.submit(() -> poller.poll()); // stable: reload
            Await.awaitTrue(() -> backend.loads.get() == 2);

            assertEquals(1f, infer("scale"), "the serving generation answers while the new one loads");
            backend.loadGate.countDown();
            settled.get();
        } finally {
            backend.loadGate.countDown();
            polling.shutdownNow();
        }
        assertEquals(1f, infer("scale"));
        Await.awaitTrue(() -> backend.closes.get() == 1);
        assertEquals(1, backend.open.get());
    }

    @Test
    void inPollModeAModelRemovedFromTheRepositoryUnloadsAndUnloadedModelsStayUnloaded() throws Exception {
        start("poll");
        repository.add(scaleConfig("scale", 0, null), 1L);
        repository.add(scaleConfig("idle", 0, null), 1L);
        poller.poll();
        assertEquals(1f, infer("scale"));
        repository.add(scaleConfig("idle", 0, null), 1L, 2L);

        repository.models.remove("scale");
        poller.poll();
        poller.poll();

        assertFalse(manager.isModelReady("scale", null));
        assertEquals(1, backend.closes.get());
        assertFalse(manager.isModelReady("idle", null), "a model never requested stays unloaded");
        assertEquals(1, backend.loads.get());
    }
}
