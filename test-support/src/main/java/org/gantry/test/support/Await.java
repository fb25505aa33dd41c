package org.gantry.test.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting in a test for what another thread makes true. */
public final class Await {

    private Await() {
    }

    /** Waits up to 10 s for {@code condition}, polling every 5 ms; fails the test where it never holds. */
    public static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        awaitTrue(condition, "condition not reached in 10 s");
    }

    /** Waits up to 10 s for {@code condition}; where it never holds, fails the test saying {@code whatFailed}. */
    public static void awaitTrue(BooleanSupplier condition, String whatFailed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, whatFailed);
            Thread.sleep(5);
        }
    }
}
