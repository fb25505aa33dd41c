package org.gantry.runtime.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting on an object's monitor for a condition, with a deadline. */
final class Monitors {

    private Monitors() {
    }

    /**
     * Waits on {@code monitor}, whose lock the caller holds and whose notifications say the condition may have
     * changed, until the condition holds or {@code deadlineNanos} ({@link System#nanoTime}) passes. True when it
     * holds; false when the deadline passed or the thread was interrupted (its interrupt flag set again).
     */
    static boolean awaitUntil(Object monitor, BooleanSupplier condition, long deadlineNanos) {
        while (!condition.getAsBoolean()) {
            long leftNanos = deadlineNanos - System.nanoTime();
            if (leftNanos <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(monitor, leftNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
