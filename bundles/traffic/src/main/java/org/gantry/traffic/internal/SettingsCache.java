package org.gantry.traffic.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each model's {@link TrafficSettings}, read from its configuration at most once per refresh interval, so the request
 * path reads a map instead of the repository. A model the server does not know, or whose settings are malformed, has
 * none (the malformed ones are logged once per refresh).
 */
final class SettingsCache {

    private static final Logger LOG = LoggerFactory.getLogger(SettingsCache.class);

    private record Entry(TrafficSettings settings, long readNanos) {
    }

    private final Function<String, ModelConfig> configs;
    private final LongSupplier clock;
    private final long refreshNanos;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    SettingsCache(Function<String, ModelConfig> configs, LongSupplier clock, long refreshNanos) {
        this.configs = configs;
        this.clock = clock;
        this.refreshNanos = refreshNanos;
    }

    TrafficSettings get(String model) {
        long now = clock.getAsLong();
        Entry entry = entries.get(model);
        if (entry == null || now - entry.readNanos() >= refreshNanos) {
            entry = new Entry(read(model), now);
            entries.put(model, entry);
        }
        return entry.settings();
    }

    /** Forgets a model's settings: its next request reads them again (its configuration may have changed). */
    void invalidate(String model) {
        entries.remove(model);
    }

    private TrafficSettings read(String model) {
        try {
            TrafficSettings settings = TrafficSettings.of(model, configs.apply(model));
            if (settings.hasShadow()) {
                ModelConfig shadow = configs.apply(settings.shadowModel());
                int levels = shadow.dynamicBatching() == null ? 0 : shadow.dynamicBatching().priorityLevels();
                settings = settings.withPriorityLevels(levels);
            }
            return settings;
        } catch (GantryException e) {
            if (e.kind() != org.gantry.api.error.ErrorKind.NOT_FOUND) {
                LOG.warn("Traffic settings of model '{}' ignored: {}", model, e.getMessage());
            }
            return TrafficSettings.NONE;
        }
    }
}
