package org.gantry.traffic.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each model's settings (its traffic or its capture), read from its configuration at most once per refresh interval,
 * so the request path reads a map instead of the repository. A model whose settings are malformed has the settings
 * {@code none} (logged once per refresh); a model the server does not know has them too, and is not kept.
 *
 * @param <T> the settings
 */
final class SettingsCache<T> {

    private static final Logger LOG = LoggerFactory.getLogger(SettingsCache.class);

    private record Entry<T>(T settings, long readNanos) {
    }

    /** Reads a model's settings from the configurations it needs (its own, a shadow's). */
    @FunctionalInterface
    interface Reader<T> {
        T read(String model, Function<String, ModelConfig> configs);
    }

    private final Function<String, ModelConfig> configs;
    private final Reader<T> reader;
    private final T none;
    private final LongSupplier clock;
    private final long refreshNanos;
    private final Map<String, Entry<T>> entries = new ConcurrentHashMap<>();

    SettingsCache(Function<String, ModelConfig> configs, Reader<T> reader, T none, LongSupplier clock,
            long refreshNanos) {
        this.configs = configs;
        this.reader = reader;
        this.none = none;
        this.clock = clock;
        this.refreshNanos = refreshNanos;
    }

    T get(String model) {
        long now = clock.getAsLong();
        Entry<T> entry = entries.get(model);
        if (entry == null || now - entry.readNanos() >= refreshNanos) {
            try {
                entry = new Entry<>(read(model), now);
            } catch (GantryException unknown) {
                // Not kept: requests naming models that do not exist must not grow the cache.
                entries.remove(model);
                return none;
            }
            entries.put(model, entry);
        }
        return entry.settings();
    }

    /** Forgets a model's settings: its next request reads them again (its configuration may have changed). */
    void invalidate(String model) {
        entries.remove(model);
    }

    /** The model's settings, none where they are malformed; NOT_FOUND for a model the server does not know. */
    private T read(String model) {
        try {
            return reader.read(model, configs);
        } catch (GantryException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                throw e;
            }
            LOG.warn("Settings of model '{}' ignored: {}", model, e.getMessage());
            return none;
        }
    }
}
