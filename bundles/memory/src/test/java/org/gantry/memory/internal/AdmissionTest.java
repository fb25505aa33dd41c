package org.gantry.memory.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gantry.api.backend.Device;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Evictable;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reservations that wait for room, in order, and evictions whose unload runs outside the manager's lock. */
class AdmissionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MemoryManagerImpl manager = MemoryManagerImpl.forHost(1000, null);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A resident model as the runtime holds one: busy while a request runs, its unload gated when asked to be. */
    private final class Model implements Evictable {
        final String name;
        Lease lease;
        volatile boolean busy;
        volatile boolean evicted;
        volatile CountDownLatch unloadGate = new CountDownLatch(0);

        Model(String name) {
            this.name = name;
        }

        @Override
        public boolean evictIfIdle(String reason) {
            Runnable unload = beginEviction(reason);
            if (unload != null) {
                unload.run();
            }
            return unload != null;
        }

        @Override
        public Runnable beginEviction(String reason) {
            if (busy) {
                return null;
            }
            evicted = true;
            return () -> {
                try {
                    unloadGate.await(); // an engine's teardown
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                lease.close();
            };
        }

        void finishRequest() {
            busy = false;
            lease.idle();
        }
    }

    private Model resident(String name, long bytes) {
        Model model = new Model(name);
        model.lease = reserve(name, bytes, model, Duration.ZERO);
        model.lease.commit(bytes, null);
        return model;
    }

    private Lease reserve(String name, long bytes, Evictable evictable, Duration wait) {
        return manager.reserve(new LeaseRequest(name, 1, List.of(Device.CPU), bytes, false, evictable), wait);
    }

    private Future<Lease> reserveLater(String name, long bytes) {
        return threads.submit(() -> reserve(name, bytes, reason -> false, WAIT));
    }

    private MemoryReport.DeviceMemory host() {
        return manager.report().devices().get(0);
    }

    @Test
    void aReservationWaitsForABusyModelAndEvictsItOnceIdle() throws Exception {
        Model busy = resident("busy", 700);
        busy.busy = true;

        Future<Lease> waiting = reserveLater("next", 600);
        awaitTrue(() -> host().waiting() == 1);
        assertFalse(busy.evicted, "never under a request");

        busy.finishRequest();
        Lease granted = waiting.get(10, TimeUnit.SECONDS);
        assertTrue(busy.evicted);
        assertEquals(600, granted.bytes());
        assertEquals(600, host().usedBytes());
        assertEquals(0, host().waiting());
    }

    @Test
    void aLaterReservationTakesOnlyRoomThatNoneAheadOfItNeeds() throws Exception {
        Model busy = resident("busy", 600);
        busy.busy = true;
        busy.unloadGate = new CountDownLatch(1);
        Future<Lease> first = reserveLater("first", 600);
        awaitTrue(() -> host().waiting() == 1);
        // 400 bytes are free, enough for the second, but the first needs them (with the busy model's 600).
        Future<Lease> second = reserveLater("second", 300);
        awaitTrue(() -> host().waiting() == 2);
        assertFalse(first.isDone() || second.isDone());

        busy.finishRequest(); // the first claims the busy model; its 600 being freed now cover the first
        second.get(10, TimeUnit.SECONDS);
        assertFalse(first.isDone(), "the first waits for the teardown, and the second did not delay it");
        busy.unloadGate.countDown();
        first.get(10, TimeUnit.SECONDS);
        assertEquals(900, host().usedBytes());
    }

    @Test
    void aVictimAskingAgainQueuesBehindTheLoadsAlreadyWaiting() throws Exception {
        Model a = resident("a", 500);
        Model b = resident("b", 500);
        a.busy = true;
        b.busy = true;
        Future<Lease> first = reserveLater("first", 500);
        awaitTrue(() -> host().waiting() == 1);
        Future<Lease> second = reserveLater("second", 500);
        awaitTrue(() -> host().waiting() == 2);

        a.finishRequest(); // the first evicts a
        first.get(10, TimeUnit.SECONDS);
        Future<Lease> aAgain = reserveLater("a", 500);
        awaitTrue(() -> host().waiting() == 2); // the second, then a
        b.finishRequest(); // b's room goes to the second, which was waiting before a asked again
        second.get(10, TimeUnit.SECONDS);
        assertTrue(b.evicted);
        assertFalse(aAgain.isDone(), "a waits: the first and the second hold the budget");
        assertEquals(1, host().waiting());
    }

    @Test
    void whatCanNeverFitFailsAtOnceEvenWhenItMayWait() {
        Model pinned = resident("pinned", 600);
        pinned.lease.pin(true);
        Model busy = resident("busy", 300);
        busy.busy = true;

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            GantryException tooBig = assertThrows(GantryException.class,
                    () -> reserve("huge", 2000, reason -> false, WAIT));
            assertEquals(ErrorKind.INSUFFICIENT_MEMORY, tooBig.kind());
            assertTrue(tooBig.getMessage().contains("budget of cpu is 1000 B"), tooBig.getMessage());
            GantryException pinnedAway = assertThrows(GantryException.class,
                    () -> reserve("more", 500, reason -> false, WAIT));
            assertEquals(ErrorKind.INSUFFICIENT_MEMORY, pinnedAway.kind());
            assertTrue(pinnedAway.getMessage().contains("pinned models hold the rest"), pinnedAway.getMessage());
        }, "a reservation that can never fit does not wait");
        assertFalse(pinned.evicted || busy.evicted);
        assertEquals(0, host().waiting());
    }

    @Test
    void aWaitThatRunsOutIs503WithRetryAfterAndSaysWhatItWaitedFor() {
        Model busy = resident("busy", 700);
        busy.busy = true;
        reserve("loading", 100, reason -> false, Duration.ZERO); // another load, not yet committed

        GantryException waited = assertThrows(GantryException.class,
                () -> reserve("next", 600, reason -> false, Duration.ofMillis(200)));

        assertEquals(ErrorKind.UNAVAILABLE, waited.kind());
        assertEquals(1, waited.retryAfterSeconds().orElse(0));
        String message = waited.getMessage();
        assertTrue(message.startsWith("model 'next' version 1 waited ") && message.contains("for 600 B on cpu"),
                message);
        assertTrue(message.contains("1 busy model(s) hold 700 B, 1 loading hold 100 B"), message);
        assertFalse(busy.evicted);
        assertEquals(0, host().waiting(), "gone from the line");
    }

    @Test
    void anUnloadRunsOutsideTheLockItsLeaseCountedAsBeingFreedUntilItEnds() throws Exception {
        Model old = resident("old", 600);
        old.unloadGate = new CountDownLatch(1); // the engine's teardown takes its time

        Future<Lease> next = reserveLater("next", 600);
        awaitTrue(() -> host().freeingBytes() == 600);
        // Meanwhile nothing waits for the teardown: the report, another reservation that fits, its release.
        MemoryReport.DeviceMemory during = host();
        assertEquals("UNLOADING", during.models().get(0).state());
        assertEquals(0, during.usedBytes());
        Lease small = reserve("small", 300, reason -> false, Duration.ZERO);
        assertEquals(300, host().usedBytes());
        assertTrue(host().usedBytes() + host().freeingBytes() <= host().budgetBytes());
        small.close();
        assertFalse(next.isDone(), "the room is not free until the engine has let go");

        old.unloadGate.countDown();
        next.get(10, TimeUnit.SECONDS);
        assertEquals(600, host().usedBytes());
        assertEquals(0, host().freeingBytes());
        assertEquals(1, manager.report().evictions());
    }

    @Test
    void aModelsOtherInstancesAreNeverRoomForItAndItsOwnLoadIsNotWaitedFor() {
        Lease first = manager.reserve(new LeaseRequest("twice", 1, List.of(Device.CPU), 600, false, reason -> true));
        first.commit(600, null);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            GantryException own = assertThrows(GantryException.class, () -> reserve("twice", 600, r -> false, WAIT));
            assertTrue(own.getMessage().contains("with the model's other instances"), own.getMessage());
        });
        assertEquals(600, host().usedBytes());
    }
}
