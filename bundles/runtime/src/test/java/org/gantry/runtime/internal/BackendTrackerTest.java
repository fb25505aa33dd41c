package org.gantry.runtime.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.backend.Backend;
import org.gantry.api.model.ModelConfig;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.gantry.test.support.TestBackend;

/** Which backend serves what, alone: the serving rule, waiting for a backend that went, and the missing message. */
class BackendTrackerTest {

    private static final long TEN_MINUTES = TimeUnit.MINUTES.toNanos(10);

    private final BackendTracker tracker = new BackendTracker(TEN_MINUTES, 0);
    private final ScalingBackend scaling = new ScalingBackend();
    private final ExecutorService waiters = Executors.newCachedThreadPool();
    private final ModelConfig config = scaleConfig("m", 0, null);

    @AfterEach
    void stop() {
        waiters.shutdownNow();
    }

    /** A backend for another platform, which never loads anything. */
    private static Backend other() {
        return TestBackend.of("other", "other_platform", context -> {
            throw new UnsupportedOperationException("not in this test");
        });
    }

    @Test
    void theRunningBackendThatSaysItServesAConfigurationServesIt() {
        Backend other = other();
        tracker.add(other);
        assertNull(tracker.backendFor(config));

        tracker.add(scaling);

        assertSame(scaling, tracker.backendFor(config));
        assertEquals(List.of(other, scaling), tracker.running());
        assertTrue(tracker.isRunning(scaling));
    }

    @Test
    void aRequestWaitsForABackendThatServedBeforeUntilItComesBack() throws Exception {
        tracker.add(scaling);
        tracker.remove(scaling);
        assertTrue(tracker.servedBefore(config));

        Future<?> waiting = waiters.submit(() -> tracker.await(config, tracker.waitDeadline()));
        awaitTrue(() -> !waiting.isDone());
        tracker.add(scaling);

        waiting.get(10, TimeUnit.SECONDS);
        assertSame(scaling, tracker.backendFor(config));
    }

    @Test
    void aBackendThatNeverRanIsNotWaitedFor() throws Exception {
        assertFalse(tracker.servedBefore(config));

        waiters.submit(() -> tracker.await(config, tracker.waitDeadline())).get(10, TimeUnit.SECONDS);

        assertNull(tracker.backendFor(config));
    }

    @Test
    void whileTheServerStartsARequestWaitsForABackendNotSeenYet() throws Exception {
        tracker.started(false);

        Future<?> waiting = waiters.submit(() -> tracker.await(config, tracker.waitDeadline()));
        awaitTrue(() -> !waiting.isDone());
        Thread.sleep(100);
        assertFalse(waiting.isDone(), "a backend never seen is waited for while the server starts");
        tracker.add(scaling);

        waiting.get(10, TimeUnit.SECONDS);
        assertSame(scaling, tracker.backendFor(config));
    }

    @Test
    void onceTheServerHasStartedARequestWaitingForABackendNeverSeenGoesOn() throws Exception {
        tracker.started(false);
        Future<?> waiting = waiters.submit(() -> tracker.await(config, tracker.waitDeadline()));
        awaitTrue(() -> !waiting.isDone());

        tracker.started(true);

        waiting.get(10, TimeUnit.SECONDS); // and its load then fails with the missing backend's message
        assertNull(tracker.backendFor(config));
    }

    @Test
    void aRequestBeforeTheServerStartedWaitsNoLongerThanItsDeadline() throws Exception {
        tracker.started(false);

        waiters.submit(() -> tracker.await(config, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)))
                .get(10, TimeUnit.SECONDS);

        assertFalse(tracker.hasStarted());
    }

    @Test
    void theMessageForAMissingBackendNamesWhatWasAskedForAndWhatIsInstalled() {
        tracker.add(other());

        String message = tracker.noBackendMessage(config);

        assertTrue(message.contains("platform 'test_platform'"), message);
        assertTrue(message.contains("other [other_platform]"), message);
    }
}
