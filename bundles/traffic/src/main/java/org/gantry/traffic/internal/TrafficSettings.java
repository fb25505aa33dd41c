package org.gantry.traffic.internal;

import java.util.Map;
import java.util.function.Function;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.traffic.Tolerance;

/**
 * A model's canary and shadow, as its configuration's {@code parameters} say. Off unless named: no
 * {@code canary_version} means no canary, no {@code shadow_version} nor {@code shadow_model} means no shadow.
 *
 * @param primaryVersion   {@code primary_version}: what requests without a version get outside the canary (null: the
 *                         version policy's choice); it pins the served version for a shadow of a newer one
 * @param canaryVersion    {@code canary_version}, or null
 * @param canaryPercent    {@code canary_percent}, 0 to 100 (default 10)
 * @param shadowModel      {@code shadow_model} (default: the model itself), or null without a shadow
 * @param shadowVersion    {@code shadow_version} (null: the shadow model's default version)
 * @param shadowPercent    {@code shadow_percent}, 0 to 100 (default 100)
 * @param tolerance        {@code shadow_absolute_tolerance} and {@code shadow_relative_tolerance}: how far the
 *                         shadow's floating-point elements may be from the primary's and agree (default
 *                         {@link Tolerance#DEFAULT})
 * @param priorityLevels   the shadow model's priority levels: its copies go at the lowest (0 when it has none)
 * @param shadowBatchSize  how many copies go to the shadow together: its largest batch where it batches
 *                         dynamically (so its batcher makes one batch of them, not one per copy), else 1
 */
record TrafficSettings(String primaryVersion, String canaryVersion, double canaryPercent, String shadowModel,
        String shadowVersion, double shadowPercent, Tolerance tolerance, int priorityLevels, int shadowBatchSize) {

    static final TrafficSettings NONE = new TrafficSettings(null, null, 0, null, null, 0, Tolerance.DEFAULT, 0, 1);

    boolean hasCanary() {
        return canaryVersion != null;
    }

    boolean hasShadow() {
        return shadowModel != null;
    }

    boolean isNone() {
        return !hasCanary() && !hasShadow();
    }

    /** Reads a model's parameters and how its shadow batches. */
    static TrafficSettings read(String model, Function<String, ModelConfig> configs) {
        TrafficSettings settings = of(model, configs.apply(model));
        if (!settings.hasShadow()) {
            return settings;
        }
        ModelConfig shadow;
        try {
            shadow = configs.apply(settings.shadowModel());
        } catch (GantryException unknownShadow) {
            return settings; // its copies fail, and are counted as failed
        }
        DynamicBatching batching = shadow.dynamicBatching();
        return batching == null ? settings
                : settings.withShadowBatching(batching.priorityLevels(), Math.max(1, shadow.maxBatchSize()));
    }

    /** Reads a model's parameters; a malformed value is the operator's mistake and says so. */
    static TrafficSettings of(String model, ModelConfig config) {
        Map<String, String> parameters = config.parameters();
        String canary = blankToNull(parameters.get("canary_version"));
        String shadowVersion = blankToNull(parameters.get("shadow_version"));
        String shadowModel = blankToNull(parameters.get("shadow_model"));
        if (shadowModel == null && shadowVersion != null) {
            shadowModel = model;
        }
        Tolerance tolerance = new Tolerance(
                nonNegative(model, parameters, "shadow_absolute_tolerance", Tolerance.DEFAULT.absolute()),
                nonNegative(model, parameters, "shadow_relative_tolerance", Tolerance.DEFAULT.relative()));
        return new TrafficSettings(blankToNull(parameters.get("primary_version")), canary,
                percent(model, parameters, "canary_percent", 10), shadowModel, shadowVersion,
                percent(model, parameters, "shadow_percent", 100), tolerance, 0, 1);
    }

    TrafficSettings withShadowBatching(int levels, int batchSize) {
        return new TrafficSettings(primaryVersion, canaryVersion, canaryPercent, shadowModel, shadowVersion,
                shadowPercent, tolerance, levels, batchSize);
    }

    static double percent(String model, Map<String, String> parameters, String key, double fallback) {
        return number(model, parameters, key, fallback, 100, "a percentage from 0 to 100");
    }

    private static double nonNegative(String model, Map<String, String> parameters, String key, double fallback) {
        return number(model, parameters, key, fallback, Double.POSITIVE_INFINITY, "a number of 0 or more");
    }

    /** A parameter from 0 to {@code max}; a malformed value is the operator's mistake and says so. */
    private static double number(String model, Map<String, String> parameters, String key, double fallback,
            double max, String what) {
        String value = blankToNull(parameters.get(key));
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (parsed >= 0 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GantryException.invalidArgument("model '%s': parameter %s must be %s, not '%s'", model, key, what,
                value);
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
