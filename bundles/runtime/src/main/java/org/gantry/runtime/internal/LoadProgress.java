package org.gantry.runtime.internal;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phases of one load as they happen: tells the event listeners when each phase starts (consoles and the
 * status page follow a slow load with it) and, for a load slower than {@link #SLOW_LOAD_NANOS}, logs where the
 * time went. Kept apart from the load itself so that the load path only marks its phase boundaries.
 */
final class LoadProgress {

    /** "A few seconds": slower loads are logged with their phases; faster ones only with their total. */
    static final long SLOW_LOAD_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Logger LOG = LoggerFactory.getLogger(LoadProgress.class);

    private final String model;
    private final long version;
    private final Consumer<Consumer<ModelEventListener>> listeners;
    private final LongSupplier nanoTime;
    private final long started;
    /** Time spent in each phase so far; a phase entered again (a second instance) adds to its total. */
    private final Map<LoadPhase, Long> spent = new EnumMap<>(LoadPhase.class);
    private LoadPhase current;
    private long currentSince;

    /** @param listeners how to tell every event listener (the runtime's own notification, which isolates failures) */
    LoadProgress(String model, long version, Consumer<Consumer<ModelEventListener>> listeners) {
        this(model, version, listeners, System::nanoTime);
    }

    LoadProgress(String model, long version, Consumer<Consumer<ModelEventListener>> listeners, LongSupplier nanoTime) {
        this.model = model;
        this.version = version;
        this.listeners = listeners;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
    }

    /** Ends the current phase and starts {@code phase}. */
    void enter(LoadPhase phase) {
        closeCurrent();
        current = phase;
        listeners.accept(l -> l.loadPhaseStarted(model, version, phase));
    }

    /** Ends the load: logs its phases when it was slow, and which phase it failed in when it failed. */
    void finished(boolean succeeded) {
        LoadPhase last = current;
        closeCurrent();
        long total = nanoTime.getAsLong() - started;
        if (total < SLOW_LOAD_NANOS) {
            return;
        }
        if (succeeded) {
            LOG.info("Slow load: model '{}' version {} took {} ({})", model, version, seconds(total), breakdown());
        } else {
            LOG.warn("Slow load: model '{}' version {} failed after {} in phase '{}' ({})", model, version,
                    seconds(total), last == null ? "none" : last.label(), breakdown());
        }
    }

    /** Where the time went, in phase order: {@code read 0.1 s, reserve memory 0.0 s, deserialise 6.9 s}. */
    String breakdown() {
        StringJoiner parts = new StringJoiner(", ");
        spent.forEach((phase, nanos) -> parts.add(phase.label() + " " + seconds(nanos)));
        return parts.toString();
    }

    private void closeCurrent() {
        long now = nanoTime.getAsLong();
        if (current != null) {
            spent.merge(current, now - currentSince, Long::sum);
            current = null;
        }
        currentSince = now;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
