package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The versions requests reach: model name → version → {@link ModelVersion} (loaded, loading, failed, or unloaded
 * with a reason). A reload puts a new generation in place of a version; everything else only adds versions or
 * forgets whole models.
 */
final class VersionRegistry {

    private final Map<String, NavigableMap<Long, ModelVersion>> models = new ConcurrentHashMap<>();

    /** The version requests reach now (whatever its state), or null. */
    ModelVersion get(String modelName, long version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        return versions == null ? null : versions.get(version);
    }

    /** The version requests reach, registered (unloaded) if it was not. */
    ModelVersion getOrCreate(String modelName, long version) {
        return models.computeIfAbsent(modelName, n -> new ConcurrentSkipListMap<>())
                .computeIfAbsent(version, v -> new ModelVersion(modelName, v));
    }

    /** Makes {@code next} the version requests reach; returns the one it replaced, or null. */
    ModelVersion register(ModelVersion next) {
        return models.computeIfAbsent(next.modelName(), n -> new ConcurrentSkipListMap<>()).put(next.version(), next);
    }

    /** Whether any version of the model was ever registered (and the model not forgotten). */
    boolean knows(String modelName) {
        return models.containsKey(modelName);
    }

    /** The model's versions, oldest first; empty for a model never registered. */
    Collection<ModelVersion> versions(String modelName) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        return versions == null ? List.of() : versions.values();
    }

    /** Every version of every model. */
    List<ModelVersion> all() {
        List<ModelVersion> all = new ArrayList<>();
        models.values().forEach(versions -> all.addAll(versions.values()));
        return all;
    }

    /** Forgets a model and its versions (its statistics go with them). */
    void forget(String modelName) {
        models.remove(modelName);
    }

    void clear() {
        models.clear();
    }

    /** Whether the version (null: any version) of the model is ready. */
    boolean isReady(String modelName, String version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return false;
        }
        if (version == null) {
            return versions.values().stream().anyMatch(ModelVersion::isReady);
        }
        Optional<Long> parsed = ModelCatalog.parseVersion(version);
        return parsed.isPresent() && versions.containsKey(parsed.get()) && versions.get(parsed.get()).isReady();
    }

    /** A ready version matching the request, expecting it, without touching the repository; or null. */
    ModelVersion expectReady(String modelName, String version) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return null;
        }
        if (version != null) {
            ModelVersion exact = ModelCatalog.parseVersion(version).map(versions::get).orElse(null);
            return exact != null && exact.expectIfReady() ? exact : null;
        }
        // The newest version is the default; only serve from memory if it is the ready one.
        Map.Entry<Long, ModelVersion> newest = versions.lastEntry();
        return newest != null && newest.getValue().expectIfReady() ? newest.getValue() : null;
    }

    /**
     * The newest ready version that the policy no longer selects: one being replaced by a newer version. (A version
     * the policy still selects never stands in for another: a client asking for the default gets the newest.)
     */
    ModelVersion replacedReadyVersion(String modelName, SortedSet<Long> selected) {
        NavigableMap<Long, ModelVersion> versions = models.get(modelName);
        if (versions == null) {
            return null;
        }
        for (ModelVersion candidate : versions.descendingMap().values()) {
            if (!selected.contains(candidate.version()) && candidate.isReady()) {
                return candidate;
            }
        }
        return null;
    }
}
