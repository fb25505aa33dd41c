package org.gantry.traffic.internal;

import org.gantry.api.server.ModelEventListener;

/**
 * A component that keeps each model's settings in a {@link SettingsCache}: a version that loads or unloads may come
 * with another configuration, so the model's settings are read again on its next request rather than after the
 * refresh interval.
 */
interface RereadsSettings extends ModelEventListener {

    /** The cache to invalidate. */
    SettingsCache<?> settings();

    @Override
    default void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
        settings().invalidate(model);
    }

    @Override
    default void modelUnloaded(String model, long version, boolean evicted) {
        settings().invalidate(model);
    }
}
