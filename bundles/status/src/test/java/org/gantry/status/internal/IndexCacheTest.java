package org.gantry.status.internal;

import static org.gantry.test.support.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IndexCacheTest {

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicLong changes = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile ModelState state = ModelState.UNAVAILABLE;
    private final IndexCache cache = new IndexCache(() -> {
        reads.incrementAndGet();
        return List.of(new ModelStatus("m", "1", state, ""));
    }, changes::get, clock::get);

    @AfterEach
    void close() {
        cache.close();
    }

    private void awaitReads(int count) throws InterruptedException {
        awaitTrue(() -> reads.get() >= count, "the index was not read again");
    }

    @Test
    void pollsWithoutChangesReadTheIndexOnce() {
        for (int i = 0; i < 10; i++) {
            cache.current();
            clock.addAndGet(1_000);
        }

        assertEquals(1, reads.get(), "ten polls over ten seconds, nothing changed: one read");
    }

    @Test
    void aChangeIsReadInTheBackgroundAndShownFromTheNextPollOn() throws Exception {
        cache.current();
        state = ModelState.READY;
        changes.incrementAndGet();
        clock.addAndGet(IndexCache.AFTER_CHANGE_MILLIS);

        assertEquals(ModelState.UNAVAILABLE, cache.current().get(0).state(), "this poll does not wait for the read");
        awaitReads(2);
        Thread.sleep(50);
        assertEquals(ModelState.READY, cache.current().get(0).state());
    }

    @Test
    void anIndexOlderThanTheLongestAgeIsReadAgainEvenWithoutEvents() throws Exception {
        cache.current();
        clock.addAndGet(IndexCache.MAX_AGE_MILLIS);
        cache.current();

        awaitReads(2);
    }
}
