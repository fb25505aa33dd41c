package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.server.ModelState;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.gantry.test.support.TestLoadContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One version's lifecycle alone: single-flight loads, failures, admission, draining and eviction. */
class ModelVersionTest {

    private static final long ONE_MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final ModelVersion version = new ModelVersion("m", 1);
    private final MemoryManagerImpl memory = MemoryManagerImpl.forHost(1L << 30, null);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** Loads started through {@link #loader}; each returns a future the test completes. */
    private final AtomicInteger loadsStarted = new AtomicInteger();
    private final CompletableFuture<Void> load = new CompletableFuture<>();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private CompletableFuture<Void> loader(ModelVersion target) {
        loadsStarted.incrementAndGet();
        return load;
    }

    /** Marks the version loaded with one instance of the scaling model under a real lease. */
    private ModelInstances loadIt() {
        version.startLoad(this::loader, 0);
        ModelInstances instances = new ModelInstances(List.of(new ScalingBackend().load(TestLoadContext.onHost(
                TestModels.scaleConfig("m", 0, null), 1, Path.of("unused")))),
                List.of(memory.reserve(new LeaseRequest("m", 1, List.of(Device.CPU), 1000, false, reason -> false),
                        Duration.ZERO)));
        version.loaded(null, TestModels.scaleConfig("m", 0, null), instances);
        version.loadEnded();
        load.complete(null);
        return instances;
    }

    @Test
    void aNewVersionIsUnavailableAndEveryCallerWhileItLoadsSharesTheOneLoad() {
        assertEquals(ModelState.UNAVAILABLE, version.state());

        CompletableFuture<Void> first = version.startLoad(this::loader, 0);
        CompletableFuture<Void> second = version.startLoad(this::loader, 0);

        assertSame(first, second);
        assertEquals(1, loadsStarted.get());
        assertEquals(ModelState.LOADING, version.state());
    }

    @Test
    void aLoadedVersionIsReadyAndAdmitsTheRequestsThatExpectedIt() {
        ModelInstances instances = loadIt();

        assertTrue(version.isReady());
        assertTrue(version.startLoad(this::loader, 0).isDone(), "a ready version needs no load");
        assertTrue(version.expectIfReady());
        assertSame(instances, version.acquire());
        version.release();
        assertEquals(1, loadsStarted.get());
    }

    @Test
    void aFailedLoadIsTheAnswerWithinTheRetryDelayAndIsTriedAgainAfterIt() {
        version.startLoad(this::loader, 0);
        version.failed(GantryException.invalidArgument("corrupt artifact"));

        CompletableFuture<Void> replayed = version.startLoad(this::loader, ONE_MINUTE);

        assertTrue(replayed.isCompletedExceptionally());
        assertTrue(version.failedWithin(ONE_MINUTE));
        assertEquals(1, loadsStarted.get());
        version.startLoad(this::loader, 0);
        assertEquals(2, loadsStarted.get(), "past the retry delay the next request loads again");
    }

    @Test
    void aLoadThatFailedForWantOfMemoryIsTriedAgainByTheNextRequest() {
        version.startLoad(this::loader, 0);
        version.failed(new GantryException(ErrorKind.INSUFFICIENT_MEMORY, "no room"));

        version.startLoad(this::loader, ONE_MINUTE);

        assertEquals(2, loadsStarted.get());
        assertEquals(ModelState.LOADING, version.state());
    }

    @Test
    void anUnloadWaitsForTheRequestInFlightAndAdmitsNoNewOne() throws Exception {
        ModelInstances instances = loadIt();
        assertTrue(version.expectIfReady());
        assertNotNull(version.acquire());

        Future<ModelInstances> unloading = threads.submit(() -> version.beginUnload(ONE_MINUTE));
        awaitTrue(() -> version.state() == ModelState.UNLOADING);

        assertFalse(version.expectIfReady(), "no request is admitted while the version drains");
        assertFalse(unloading.isDone());
        version.release();
        assertSame(instances, unloading.get(10, TimeUnit.SECONDS));
        version.unloaded("unloaded on request", false, true);
        assertEquals(ModelState.UNAVAILABLE, version.state());
        assertTrue(version.loadsAgain());
        assertFalse(version.wasEvicted());
    }

    @Test
    void onlyAVersionWithNoRequestRunningOrOnItsWayCanBeEvicted() {
        ModelInstances instances = loadIt();

        assertTrue(version.expectIfReady());
        assertNull(version.beginEvictionIfIdle(), "a request on its way keeps it");
        assertNotNull(version.acquire());
        assertNull(version.beginEvictionIfIdle(), "a request running keeps it");
        version.release();

        assertSame(instances, version.beginEvictionIfIdle());
        assertEquals(ModelState.UNLOADING, version.state());
        version.unloaded("evicted", true, true);
        assertTrue(version.wasEvicted());
        assertNull(version.lease());
    }

    @Test
    void unloadingAFailedVersionForgetsTheFailureSoThatTheNextRequestLoadsAgain() throws Exception {
        version.startLoad(this::loader, 0);
        version.failed(GantryException.invalidArgument("corrupt artifact"));

        assertNull(version.beginUnload(ONE_MINUTE));

        assertEquals(ModelState.UNAVAILABLE, version.state());
        assertNull(version.lastFailure());
        version.startLoad(this::loader, ONE_MINUTE);
        assertEquals(2, loadsStarted.get());
    }

    @Test
    void aNextGenerationStartsUnloadedWithAQueueOfItsOwnAndTheSameStatistics() {
        loadIt();

        ModelVersion next = version.nextGeneration();

        assertEquals(ModelState.UNAVAILABLE, next.state());
        assertSame(version.statistics(), next.statistics());
        assertNotSame(version.queue(), next.queue());
    }
}
