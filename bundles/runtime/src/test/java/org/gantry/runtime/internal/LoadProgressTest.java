package org.gantry.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelEventListener;
import org.junit.jupiter.api.Test;

class LoadProgressTest {

    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<String> events = new ArrayList<>();
    private final Consumer<Consumer<ModelEventListener>> listeners = event -> event.accept(new ModelEventListener() {
        @Override
        public void loadPhaseStarted(String model, long version, LoadPhase phase) {
            events.add(model + "/" + version + " " + phase);
        }
    });

    /** Enters {@code phase} and lets {@code millis} pass in it. */
    private void spend(LoadProgress progress, LoadPhase phase, long millis) {
        progress.enter(phase);
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void everyPhaseIsAnnouncedToTheListenersAsItStarts() {
        LoadProgress progress = new LoadProgress("m", 3, listeners, clock::get);
        progress.enter(LoadPhase.READ);
        progress.enter(LoadPhase.RESERVE_MEMORY);
        progress.enter(LoadPhase.DESERIALISE);

        assertEquals(List.of("m/3 READ", "m/3 RESERVE_MEMORY", "m/3 DESERIALISE"), events);
    }

    @Test
    void theBreakdownSaysHowLongEachPhaseTookInPhaseOrder() {
        LoadProgress progress = new LoadProgress("m", 1, listeners, clock::get);
        spend(progress, LoadPhase.READ, 100);
        spend(progress, LoadPhase.RESERVE_MEMORY, 0);
        spend(progress, LoadPhase.DESERIALISE, 6_900);
        spend(progress, LoadPhase.WARM_UP, 250);
        progress.finished(true);

        assertEquals("read 0.1 s, reserve memory 0.0 s, deserialise 6.9 s, warm-up 0.3 s", progress.breakdown());
    }

    @Test
    void aPhaseEnteredAgainForASecondInstanceAddsToItsTotal() {
        LoadProgress progress = new LoadProgress("m", 1, listeners, clock::get);
        for (int instance = 0; instance < 2; instance++) {
            spend(progress, LoadPhase.DESERIALISE, 1_000);
            spend(progress, LoadPhase.WARM_UP, 500);
        }
        progress.finished(true);

        assertEquals("deserialise 2.0 s, warm-up 1.0 s", progress.breakdown());
    }
}
