package org.gantry.shell.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelEventListener;

/**
 * What gantry:load prints while a load goes on. Registered as an event listener for the command's duration, it
 * hears the runtime's phase events on loader threads and queues them; the command's own thread prints them, since
 * only that thread writes to the user's console. A load that ends within {@link #QUIET_NANOS} prints nothing here;
 * a slower one prints each phase as it starts, a line every {@link #REMINDER_NANOS} while a phase lasts, and where
 * the time went at the end.
 */
final class LoadProgressPrinter implements ModelEventListener {

    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long REMINDER_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What the listener heard on a loader thread, for the command's thread to print. */
    private sealed interface Heard permits Step, End {
    }

    /** A phase of one version that started at {@code startedNanos}. */
    private record Step(long version, LoadPhase phase, long startedNanos) implements Heard {
    }

    /** The end of one version's load. */
    private record End(long version, long endedNanos) implements Heard {
    }

    private final String model;
    private final PrintStream out;
    private final LongSupplier nanoTime;
    private final long started;
    private final Queue<Heard> heard = new ConcurrentLinkedQueue<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<Long, Long> ends = new TreeMap<>();
    private int printedSteps;
    private long lastLineNanos;

    LoadProgressPrinter(String model, PrintStream out, LongSupplier nanoTime) {
        this.model = model;
        this.out = out;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
    }

    @Override
    public void loadPhaseStarted(String model, long version, LoadPhase phase) {
        if (this.model.equals(model)) {
            heard.add(new Step(version, phase, nanoTime.getAsLong()));
        }
    }

    @Override
    public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
        ended(model, version);
    }

    @Override
    public void modelLoadFailed(String model, long version, String reason) {
        ended(model, version);
    }

    private void ended(String model, long version) {
        if (this.model.equals(model)) {
            heard.add(new End(version, nanoTime.getAsLong()));
        }
    }

    /** On the command's thread: prints what happened since the last call, once the load is no longer quick. */
    void printProgress() {
        drain();
        long now = nanoTime.getAsLong();
        if (now - started < QUIET_NANOS) {
            return;
        }
        while (printedSteps < steps.size()) {
            Step step = steps.get(printedSteps++);
            out.printf(Locale.ROOT, "  [%s] version %d: %s%n", seconds(step.startedNanos() - started), step.version(),
                    step.phase().label());
            lastLineNanos = now;
        }
        if (!steps.isEmpty() && now - lastLineNanos >= REMINDER_NANOS) {
            Step current = steps.get(steps.size() - 1);
            if (!ends.containsKey(current.version())) {
                out.printf(Locale.ROOT, "  [%s] version %d: still in %s (%s so far)%n", seconds(now - started),
                        current.version(), current.phase().label(), seconds(now - current.startedNanos()));
                lastLineNanos = now;
            }
        }
    }

    /** Whether the load took long enough for its phases to be worth a line. */
    boolean wasSlow() {
        return nanoTime.getAsLong() - started >= QUIET_NANOS;
    }

    /** Where each version's time went: {@code version 1: read 0.1 s, reserve memory 0.0 s, deserialise 6.9 s}. */
    String breakdown() {
        drain();
        StringJoiner versions = new StringJoiner("; ");
        Map<Long, Map<LoadPhase, Long>> spent = new TreeMap<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            long end = next(i).orElse(ends.getOrDefault(step.version(), nanoTime.getAsLong()));
            spent.computeIfAbsent(step.version(), v -> new TreeMap<>()).merge(step.phase(), end - step.startedNanos(),
                    Long::sum);
        }
        spent.forEach((version, phases) -> {
            StringJoiner parts = new StringJoiner(", ", "version " + version + ": ", "");
            phases.forEach((phase, nanos) -> parts.add(phase.label() + " " + seconds(nanos)));
            versions.add(parts.toString());
        });
        return versions.toString();
    }

    /** When the phase after step {@code i} of the same version started, if one did. */
    private OptionalLong next(int i) {
        long version = steps.get(i).version();
        for (int j = i + 1; j < steps.size(); j++) {
            if (steps.get(j).version() == version) {
                return OptionalLong.of(steps.get(j).startedNanos());
            }
        }
        return OptionalLong.empty();
    }

    /** Takes over what the listener heard, on the command's thread. */
    private void drain() {
        for (Heard event; (event = heard.poll()) != null;) {
            if (event instanceof Step step) {
                steps.add(step);
            } else if (event instanceof End end) {
                ends.put(end.version(), end.endedNanos());
            }
        }
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
