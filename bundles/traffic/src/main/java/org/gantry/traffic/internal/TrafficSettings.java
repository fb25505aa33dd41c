package org.gantry.traffic.internal;

import java.util.Map;
import java.util.function.Function;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.ModelConfig;

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
 * @param priorityLevels   the shadow model's priority levels: its copies go at the lowest (0 when it has none)
 */
record TrafficSettings(String primaryVersion, String canaryVersion, double canaryPercent, String shadowModel,
        String shadowVersion, double shadowPercent, int priorityLevels) {

    static final TrafficSettings NONE = new TrafficSettings(null, null, 0, null, null, 0, 0);

    boolean hasCanary() {
        return canaryVersion != null;
    }

    boolean hasShadow() {
        return shadowModel != null;
    }

    boolean isNone() {
        return !hasCanary() && !hasShadow();
    }

    /** Reads a model's parameters and its shadow's priority levels. */
    static TrafficSettings read(String model, Function<String, ModelConfig> configs) {
        TrafficSettings settings = of(model, configs.apply(model));
        if (!settings.hasShadow()) {
            return settings;
        }
        DynamicBatching batching;
        try {
            batching = configs.apply(settings.shadowModel()).dynamicBatching();
        } catch (GantryException unknownShadow) {
            return settings; // its copies fail, and are counted as failed
        }
        return settings.withPriorityLevels(batching == null ? 0 : batching.priorityLevels());
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
        return new TrafficSettings(blankToNull(parameters.get("primary_version")), canary,
                percent(model, parameters, "canary_percent", 10), shadowModel, shadowVersion,
                percent(model, parameters, "shadow_percent", 100), 0);
    }

    TrafficSettings withPriorityLevels(int levels) {
        return new TrafficSettings(primaryVersion, canaryVersion, canaryPercent, shadowModel, shadowVersion,
                shadowPercent, levels);
    }

    static double percent(String model, Map<String, String> parameters, String key, double fallback) {
        String value = blankToNull(parameters.get(key));
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (parsed >= 0 && parsed <= 100) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GantryException.invalidArgument("model '%s': parameter %s must be a percentage from 0 to 100, not '%s'",
                model, key, value);
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
