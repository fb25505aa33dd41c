package org.gantry.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.server.LoadPhase;
import org.junit.jupiter.api.Test;

class LoadProgressPrinterTest {

    private final AtomicLong clock = new AtomicLong(0);
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final LoadProgressPrinter progress = new LoadProgressPrinter("big",
            new PrintStream(printed, true, StandardCharsets.UTF_8), clock::get);

    private void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aQuickLoadPrintsNoProgress() {
        progress.loadPhaseStarted("big", 1, LoadPhase.READ);
        advanceMillis(200);
        progress.loadPhaseStarted("big", 1, LoadPhase.DESERIALISE);
        advanceMillis(300);
        progress.modelLoaded("big", 1, 0, false);
        progress.printProgress();

        assertEquals("", printed());
        assertFalse(progress.wasSlow());
    }

    @Test
    void aSlowLoadPrintsEachPhaseAReminderWhileOneLastsAndWhereTheTimeWent() {
        progress.loadPhaseStarted("big", 1, LoadPhase.READ);
        advanceMillis(100);
        progress.loadPhaseStarted("big", 1, LoadPhase.RESERVE_MEMORY);
        progress.loadPhaseStarted("big", 1, LoadPhase.DESERIALISE);
        progress.printProgress();
        assertEquals("", printed(), "nothing within the first second");

        advanceMillis(1_000);
        progress.printProgress();
        assertEquals("  [0.0 s] version 1: read\n  [0.1 s] version 1: reserve memory\n"
                + "  [0.1 s] version 1: deserialise\n", printed().replace(System.lineSeparator(), "\n"));

        advanceMillis(5_000);
        progress.printProgress();
        assertTrue(printed().contains("  [6.1 s] version 1: still in deserialise (6.0 s so far)"), printed());

        progress.loadPhaseStarted("big", 1, LoadPhase.WARM_UP);
        advanceMillis(400);
        progress.modelLoaded("big", 1, 0, false);
        progress.printProgress();

        assertTrue(progress.wasSlow());
        assertEquals("version 1: read 0.1 s, reserve memory 0.0 s, deserialise 6.0 s, warm-up 0.4 s",
                progress.breakdown());
    }

    @Test
    void otherModelsLoadingMeanwhileAreNotShown() {
        progress.loadPhaseStarted("other", 1, LoadPhase.READ);
        advanceMillis(2_000);
        progress.printProgress();

        assertEquals("", printed());
        assertEquals("", progress.breakdown());
    }
}
