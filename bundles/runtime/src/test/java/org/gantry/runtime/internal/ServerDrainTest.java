package org.gantry.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.server.Drain.Admission;
import org.junit.jupiter.api.Test;

class ServerDrainTest {

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Test
    void aDrainRefusesNewRequestsWithARetryHintAndWaitsForThoseInFlight() throws Exception {
        ServerDrain drain = new ServerDrain(30, stopped::countDown);
        Admission inFlight = drain.admit();
        assertFalse(drain.isDraining());

        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(drain::drain);
        while (!drain.isDraining()) {
            Thread.onSpinWait();
        }
        GantryException refused = assertThrows(GantryException.class, drain::admit);
        assertEquals(ErrorKind.UNAVAILABLE, refused.kind());
        assertEquals(1, refused.retryAfterSeconds().orElse(0));
        Thread.sleep(100);
        assertFalse(drained.isDone(), "the drain waits for the request in flight");

        inFlight.close();
        assertTrue(drained.get(5, TimeUnit.SECONDS));
        assertEquals(0, drain.inFlight());
    }

    @Test
    void aRequestClosedTwiceCountsOnce() {
        ServerDrain drain = new ServerDrain(30, stopped::countDown);
        Admission first = drain.admit();
        Admission second = drain.admit();
        first.close();
        first.close();
        assertEquals(1, drain.inFlight());
        second.close();
        assertEquals(0, drain.inFlight());
    }

    @Test
    void theTimeoutBoundsTheWaitFromTheDrainsBeginningWhoeverAsks() {
        ServerDrain drain = new ServerDrain(1, stopped::countDown);
        drain.admit();
        long began = System.nanoTime();
        assertFalse(drain.drain(), "a request never answered");
        long firstWait = System.nanoTime() - began;
        assertTrue(firstWait >= TimeUnit.MILLISECONDS.toNanos(900), "waited " + firstWait + " ns");
        long again = System.nanoTime();
        assertFalse(drain.drain());
        assertTrue(System.nanoTime() - again < TimeUnit.MILLISECONDS.toNanos(200),
                "a second drain (SIGTERM after gantry:drain) does not wait the timeout again");
    }

    @Test
    void drainAndStopStopsTheServerOnceTheLastRequestIsAnswered() throws Exception {
        ServerDrain drain = new ServerDrain(30, stopped::countDown);
        Admission inFlight = drain.admit();
        drain.drainAndStop();
        drain.drainAndStop();
        assertFalse(stopped.await(200, TimeUnit.MILLISECONDS), "stopped with a request in flight");
        inFlight.close();
        assertTrue(stopped.await(5, TimeUnit.SECONDS));
    }

    @Test
    void withNothingInFlightADrainEndsAtOnce() {
        ServerDrain drain = new ServerDrain(30, stopped::countDown);
        assertTrue(drain.drain());
        assertTrue(drain.isDraining());
    }
}
