package org.gantry.status.internal;

/**
 * One model's requests over the last minute, in one-second slots: the rate and mean latency a person reads on the
 * status page (Prometheus keeps the long view). Slots are reused as time goes round; a slot from an older second
 * counts as empty.
 */
final class TrafficWindow {

    static final int SECONDS = 60;

    private final long[] slotSecond = new long[SECONDS];
    private final long[] counts = new long[SECONDS];
    private final long[] nanos = new long[SECONDS];

    synchronized void record(long nowMillis, long durationNanos) {
        long second = nowMillis / 1000;
        int slot = (int) (second % SECONDS);
        if (slotSecond[slot] != second) {
            slotSecond[slot] = second;
            counts[slot] = 0;
            nanos[slot] = 0;
        }
        counts[slot]++;
        nanos[slot] += durationNanos;
    }

    /** Requests per second over the last {@value #SECONDS} seconds. */
    synchronized double perSecond(long nowMillis) {
        return (double) sum(counts, nowMillis) / SECONDS;
    }

    /** Mean latency in milliseconds over the last {@value #SECONDS} seconds; 0 without requests. */
    synchronized double meanMillis(long nowMillis) {
        long count = sum(counts, nowMillis);
        return count == 0 ? 0 : sum(nanos, nowMillis) / 1e6 / count;
    }

    private long sum(long[] values, long nowMillis) {
        long now = nowMillis / 1000;
        long total = 0;
        for (int slot = 0; slot < SECONDS; slot++) {
            if (slotSecond[slot] > now - SECONDS && slotSecond[slot] <= now) {
                total += values[slot];
            }
        }
        return total;
    }
}
