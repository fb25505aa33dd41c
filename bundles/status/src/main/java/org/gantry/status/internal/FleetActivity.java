package org.gantry.status.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelEventListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

/**
 * What the runtime's events say about the fleet, kept for the status page: the timeline of loads, evictions, unloads
 * and failures; each model's traffic over the last minute; the requests each model version has in flight (a busy
 * model cannot be evicted); and the phase each load in progress is in. Every update is a map operation or a short
 * lock, since the runtime calls listeners on its request and loader threads.
 */
@Component(service = { FleetActivity.class, ModelEventListener.class }, configurationPid = StatusConfig.PID)
@Designate(ocd = StatusConfig.class)
public final class FleetActivity implements ModelEventListener {

    /** A load in progress: its phase, since when (epoch milliseconds), and when the load started. */
    record LoadInProgress(LoadPhase phase, long phaseSinceMillis, long startedMillis) {
    }

    private final LongSupplier clock;
    private final Timeline timeline;
    private final Map<String, TrafficWindow> traffic = new ConcurrentHashMap<>();
    private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final Map<String, LoadInProgress> loading = new ConcurrentHashMap<>();
    /** Grows with every event that changes a model version's state in the runtime's index. */
    private final AtomicLong stateChanges = new AtomicLong();

    @Activate
    public FleetActivity(StatusConfig config) {
        this(config.maxEvents(), TimeUnit.MINUTES.toMillis(config.timelineMinutes()), System::currentTimeMillis);
    }

    FleetActivity(int maxEvents, long timelineMillis, LongSupplier clock) {
        this.clock = clock;
        this.timeline = new Timeline(maxEvents, timelineMillis);
    }

    Timeline timeline() {
        return timeline;
    }

    long now() {
        return clock.getAsLong();
    }

    /** A count of the loads, unloads and failures heard so far: when it moves, the runtime's index has changed. */
    long stateChanges() {
        return stateChanges.get();
    }

    /** The model's traffic over the last minute, or null when it had none since the server started. */
    TrafficWindow traffic(String model) {
        return traffic.get(model);
    }

    /** Requests running on (or queued for) a model version now. */
    int inFlight(String model, long version) {
        return inFlight.getOrDefault(key(model, version), 0);
    }

    /** The load of that model version in progress, or null. */
    LoadInProgress loading(String model, long version) {
        return loading.get(key(model, version));
    }

    @Override
    public void loadPhaseStarted(String model, long version, LoadPhase phase) {
        stateChanges.incrementAndGet();
        long now = now();
        loading.merge(key(model, version), new LoadInProgress(phase, now, now),
                (before, next) -> new LoadInProgress(phase, now, before.startedMillis()));
    }

    @Override
    public void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
        stateChanges.incrementAndGet();
        loading.remove(key(model, version));
        timeline.add(new Timeline.Happening(now(), Timeline.Kind.LOADED, model, version,
                TimeUnit.NANOSECONDS.toMillis(durationNanos), coldStart), "");
    }

    @Override
    public void modelLoadFailed(String model, long version, String reason) {
        stateChanges.incrementAndGet();
        LoadInProgress load = loading.remove(key(model, version));
        long now = now();
        String where = load == null ? "" : " (in phase " + load.phase().label() + ")";
        timeline.add(new Timeline.Happening(now, Timeline.Kind.LOAD_FAILED, model, version,
                load == null ? 0 : now - load.startedMillis(), false), (reason == null ? "" : reason) + where);
    }

    @Override
    public void modelUnloaded(String model, long version, boolean evicted) {
        stateChanges.incrementAndGet();
        inFlight.remove(key(model, version));
        timeline.add(new Timeline.Happening(now(), evicted ? Timeline.Kind.EVICTED : Timeline.Kind.UNLOADED, model,
                version, 0, false), "");
    }

    @Override
    public void inferenceStarted(String model, long version) {
        inFlight.merge(key(model, version), 1, Integer::sum);
    }

    @Override
    public void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
        // Back to zero: the entry goes, so the map holds busy versions only.
        inFlight.computeIfPresent(key(model, version), (k, n) -> n > 1 ? n - 1 : null);
        traffic.computeIfAbsent(model, m -> new TrafficWindow()).record(now(), durationNanos);
    }

    private static String key(String model, long version) {
        return model + '\n' + version;
    }
}
