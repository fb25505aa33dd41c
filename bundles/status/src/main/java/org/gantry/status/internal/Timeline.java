package org.gantry.status.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The recent loads, evictions, unloads and failures, oldest first: bounded both in count and in age, so that an
 * eviction storm costs a fixed amount of memory. Each event has a sequence number, so a page that polls asks only
 * for what it has not seen.
 */
final class Timeline {

    /** What happened. */
    enum Kind {
        LOADED,
        LOAD_FAILED,
        EVICTED,
        UNLOADED
    }

    /**
     * What the runtime reported: when, what, which model version, and how long it took (0 where it is not a
     * duration) and whether it was a cold start, for loads.
     */
    record Happening(long timeMillis, Kind kind, String model, long version, long durationMillis, boolean coldStart) {
    }

    /**
     * One event: what happened, numbered. The reason of an eviction or unload is not part of the runtime's event: it
     * is filled in once, from the runtime's index, by {@link #explain}.
     */
    static final class Event {
        final long sequence;
        final Happening what;
        private volatile String reason;

        Event(long sequence, Happening what, String reason) {
            this.sequence = sequence;
            this.what = what;
            this.reason = reason == null ? "" : reason;
        }

        String reason() {
            return reason;
        }
    }

    private final int capacity;
    private final long maxAgeMillis;
    private final Deque<Event> events = new ArrayDeque<>();
    private long lastSequence;

    Timeline(int capacity, long maxAgeMillis) {
        this.capacity = capacity;
        this.maxAgeMillis = maxAgeMillis;
    }

    synchronized Event add(Happening what, String reason) {
        Event event = new Event(++lastSequence, what, reason);
        events.addLast(event);
        while (events.size() > capacity) {
            events.removeFirst();
        }
        return event;
    }

    /** The events after {@code sequence} that are not older than the timeline keeps, oldest first. */
    synchronized List<Event> after(long sequence, long nowMillis) {
        dropOlderThan(nowMillis - maxAgeMillis);
        List<Event> newer = new ArrayList<>();
        for (Event event : events) {
            if (event.sequence > sequence) {
                newer.add(event);
            }
        }
        return newer;
    }

    long maxAgeMillis() {
        return maxAgeMillis;
    }

    synchronized long lastSequence() {
        return lastSequence;
    }

    /**
     * Gives evictions and unloads still without a reason the one the runtime reports now for that model version
     * ({@code reasonOf} answers null or empty when it has none): called while the reason still describes that
     * eviction, it is kept from then on.
     */
    void explain(BiFunction<String, Long, String> reasonOf) {
        List<Event> unexplained;
        synchronized (this) {
            unexplained = events.stream().filter(e -> e.reason.isEmpty()
                    && (e.what.kind() == Kind.EVICTED || e.what.kind() == Kind.UNLOADED)).toList();
        }
        for (Event event : unexplained) {
            String reason = reasonOf.apply(event.what.model(), event.what.version());
            if (reason != null && !reason.isEmpty()) {
                event.reason = reason;
            }
        }
    }

    private void dropOlderThan(long cutoffMillis) {
        while (!events.isEmpty() && events.peekFirst().what.timeMillis() < cutoffMillis) {
            events.removeFirst();
        }
    }
}
