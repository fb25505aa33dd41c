package org.gantry.runtime.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;

/**
 * Keep-warm policies from a model's configuration {@code parameters}, so that operators need no external pinger:
 * <ul>
 * <li>{@code keep_warm_min_residency_seconds}: a version used (or loaded) within that many seconds is not evicted
 * to make room for another model;</li>
 * <li>{@code keep_warm_interval_seconds}: every that many seconds, versions that memory pressure evicted are
 * loaded again (with their warm-up), until the model is unloaded on request or leaves the repository.</li>
 * </ul>
 * Keeping a model resident for good is {@code pinned: "true"}.
 */
final class KeepWarm implements AutoCloseable {

    static final String MIN_RESIDENCY = "keep_warm_min_residency_seconds";
    static final String INTERVAL = "keep_warm_interval_seconds";

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gantry-keep-warm");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, ScheduledFuture<?>> followed = new ConcurrentHashMap<>();
    /** Reloads a model's evicted versions; false when the model no longer exists. */
    private final Predicate<String> reloadEvicted;

    KeepWarm(Predicate<String> reloadEvicted) {
        this.reloadEvicted = reloadEvicted;
    }

    /** Whether a version's minimum residency still protects it from eviction. */
    static boolean withinMinimumResidency(ModelVersion version) {
        ModelConfig config = version.config();
        Optional<Long> seconds = config == null ? Optional.empty() : seconds(config, MIN_RESIDENCY);
        if (seconds.isEmpty()) {
            return false;
        }
        long lastUse = Math.max(version.readySinceMillis(), version.statistics().lastInferenceMillis);
        return System.currentTimeMillis() - lastUse < TimeUnit.SECONDS.toMillis(seconds.get());
    }

    /** Starts reloading a model after evictions if its configuration asks for it (once per model). */
    void follow(String modelName, ModelConfig config) {
        seconds(config, INTERVAL).ifPresent(interval -> followed.computeIfAbsent(modelName,
                name -> timer.scheduleWithFixedDelay(() -> check(name), interval, interval, TimeUnit.SECONDS)));
    }

    void forget(String modelName) {
        ScheduledFuture<?> task = followed.remove(modelName);
        if (task != null) {
            task.cancel(false);
        }
    }

    private void check(String modelName) {
        if (!reloadEvicted.test(modelName)) {
            forget(modelName);
        }
    }

    /** Checks the keep-warm parameters of a configuration before its model loads. */
    static void validate(ModelConfig config) {
        seconds(config, MIN_RESIDENCY);
        seconds(config, INTERVAL);
    }

    private static Optional<Long> seconds(ModelConfig config, String parameter) {
        return config.parameter(parameter).map(value -> {
            try {
                long seconds = Long.parseLong(value.trim());
                if (seconds > 0) {
                    return seconds;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw GantryException.invalidArgument("model '%s': parameter %s must be a positive number of seconds, not"
                    + " '%s'", config.name(), parameter, value);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        followed.clear();
    }
}
