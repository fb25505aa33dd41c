package org.gantry.runtime.internal;

import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelEventListener;
import org.gantry.api.server.ModelState;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading one version alone: backend choice, leases, failures and what the runtime is told. */
class VersionLoaderTest {

    private final MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
    private final BackendTracker backends = new BackendTracker(0, 0);
    private final ScalingBackend backend = new ScalingBackend();
    /** What the runtime was told: the versions that became ready. */
    private final List<ModelVersion> loaded = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private boolean pinned;
    private VersionLoader loader;
    private MemoryRepository repository;

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        ModelEvents listeners = new ModelEvents();
        listeners.add(new ModelEventListener() {
            @Override
            public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
                events.add("loaded " + model + "/" + version + (coldStart ? " cold" : ""));
            }

            @Override
            public void modelLoadFailed(String model, long version, String reason) {
                events.add("failed " + model + "/" + version);
            }
        });
        loader = new VersionLoader(new VersionLoader.Runtime() {
            @Override
            public boolean isPinned(ModelConfig config) {
                return pinned;
            }

            @Override
            public void loaded(ModelVersion version, RepositoryModel model, ModelConfig completed) {
                loaded.add(version);
            }
        }, backends, memory, listeners, null, TestModels.config(0), new HostTierParking(memory));
    }

    @AfterEach
    void stop() {
        loader.close();
    }

    private ModelVersion load(String name, Map<String, String> parameters, boolean explicit) {
        repository.add(scaleConfig(name, 0, null, parameters), 1L);
        ModelVersion version = new ModelVersion(name, 1);
        RepositoryModel model = repository.model(name).orElseThrow();
        loader.await(version, loader.startLoad(version, model, !explicit, 0), explicit, ExecutionQueue.NO_DEADLINE);
        return version;
    }

    @Test
    void aVersionLoadsOnTheBackendThatServesItUnderALeaseOfWhatItReportedAndTheRuntimeIsTold() {
        backends.add(backend);
        pinned = true;

        ModelVersion version = load("m", Map.of("footprint", "4096"), false);

        assertEquals(ModelState.READY, version.state());
        assertEquals(List.of(version), loaded);
        assertEquals(4096, version.lease().bytes());
        assertTrue(version.lease().pinned());
        assertEquals(List.of("loaded m/1 cold"), events);
    }

    @Test
    void withoutABackendARequestIsToldWhichOneIsMissingAndNothingIsLeased() {
        GantryException missing = assertThrows(GantryException.class, () -> load("m", Map.of(), false));

        assertEquals(ErrorKind.UNAVAILABLE, missing.kind());
        assertTrue(missing.getMessage().contains("no backend for platform 'test_platform'"), missing.getMessage());
        assertEquals(0, memory.report().devices().get(0).usedBytes());
    }

    @Test
    void aLoadThatFailsReleasesItsLeaseAndALoadRequestGetsTheFailuresOwnKind() {
        backends.add(backend);
        backend.failWith = "corrupt artifact";

        GantryException failed = assertThrows(GantryException.class, () -> load("m", Map.of(), true));

        assertEquals(ErrorKind.INVALID_ARGUMENT, failed.kind());
        assertTrue(failed.getMessage().contains("corrupt artifact"), failed.getMessage());
        assertEquals(0, memory.report().devices().get(0).usedBytes());
        assertEquals(List.of("failed m/1"), events);
        assertEquals(List.of(), loaded);
    }
}
