package org.gantry.metrics.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Requests per second over a sliding window of whole seconds: one counter per second, reset when its slot is
 * reused. Recording is lock-free; a slot's reset may lose a count racing it, which a rate can afford.
 */
final class InvocationRate {

    private final int seconds;
    private final AtomicLongArray counts;
    private final AtomicLongArray slotSecond;

    InvocationRate(int seconds) {
        this.seconds = seconds;
        this.counts = new AtomicLongArray(seconds);
        this.slotSecond = new AtomicLongArray(seconds);
    }

    void record() {
        record(System.currentTimeMillis() / 1000);
    }

    void record(long second) {
        int slot = (int) (second % seconds);
        long owner = slotSecond.get(slot);
        if (owner != second && slotSecond.compareAndSet(slot, owner, second)) {
            counts.set(slot, 0);
        }
        counts.incrementAndGet(slot);
    }

    double perSecond() {
        return perSecond(System.currentTimeMillis() / 1000);
    }

    /** The mean over the full seconds of the window that ended before {@code now}. */
    double perSecond(long now) {
        long total = 0;
        for (int slot = 0; slot < seconds; slot++) {
            long second = slotSecond.get(slot);
            if (second < now && second >= now - seconds) {
                total += counts.get(slot);
            }
        }
        return (double) total / seconds;
    }
}
