package org.gantry.runtime.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A runtime for each test, registered with {@code @RegisterExtension}: an empty repository in memory over a
 * temporary folder, the {@link ScalingBackend}, and the real memory manager with a host budget. It starts before
 * each test; after it (and after the test's own {@code @AfterEach}) the backend's gates open, the callers stop, the
 * runtime is deactivated and its folder deleted.
 */
final class ScalingRuntime implements BeforeEachCallback, AfterEachCallback {

    final ScalingBackend backend = new ScalingBackend();
    /** The runtime's versions, where the test sees them ({@link #seeingVersions}), to count queued requests. */
    final VersionRegistry versions = new VersionRegistry();
    /** Threads for a test's concurrent callers, stopped after it. */
    final ExecutorService callers = Executors.newCachedThreadPool();
    MemoryRepository repository;
    ModelManager manager;
    private final long hostBudget;
    private final RuntimeConfig config;
    private final boolean seeingVersions;
    private Path root;

    private ScalingRuntime(long hostBudget, RuntimeConfig config, boolean seeingVersions) {
        this.hostBudget = hostBudget;
        this.config = config;
        this.seeingVersions = seeingVersions;
    }

    /** A runtime with {@code hostBudget} bytes of host memory and the given configuration. */
    static ScalingRuntime withHostBudget(long hostBudget, RuntimeConfig config) {
        return new ScalingRuntime(hostBudget, config, false);
    }

    /** A roomy runtime built over {@link #versions}, with no repository poller and no start-up condition to wait for. */
    static ScalingRuntime seeingVersions(RuntimeConfig config) {
        return new ScalingRuntime(1L << 30, config, true);
    }

    /** A runtime with room for every model of a test (1 GiB) and {@link TestModels#config(int) config(0)}. */
    static ScalingRuntime roomy() {
        return withHostBudget(1L << 30, TestModels.config(0));
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("gantry-runtime-test");
        repository = new MemoryRepository(root);
        start(config);
    }

    /** Deactivates the runtime and starts a new one with {@code other} over the same repository and backend. */
    void restart(RuntimeConfig other) {
        manager.deactivate();
        start(other);
    }

    private void start(RuntimeConfig with) {
        MemoryManagerImpl memory = MemoryManagerImpl.forHost(hostBudget, null);
        manager = seeingVersions ? new ModelManager(repository, memory, with, versions, actions -> null)
                : new ModelManager(repository, memory, with);
        manager.addBackend(backend);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        backend.inferGate.countDown(); // nothing the runtime runs waits on a gate of the test's any more
        backend.gatesByFirstValue.values().forEach(CountDownLatch::countDown);
        callers.shutdownNow();
        manager.deactivate();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
