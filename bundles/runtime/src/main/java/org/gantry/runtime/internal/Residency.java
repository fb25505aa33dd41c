package org.gantry.runtime.internal;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What stays resident against memory pressure: models pinned through the API (or by their {@code pinned}
 * parameter), whose leases are never evicted, and keep-warm, which loads again the versions that pressure evicted.
 */
final class Residency implements AutoCloseable {

    /** What residency asks of the runtime. */
    interface Versions {
        /** The model as a request loads it; throws NOT_FOUND when it is gone. */
        RepositoryModel model(String name);

        /** The model's versions, whatever their state. */
        Collection<ModelVersion> versions(String model);

        /** Starts loading the version again, as a request would (warm-up included), without waiting. */
        void reload(ModelVersion version, RepositoryModel model);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Residency.class);

    private final Versions versions;
    /** Models pinned through the API: their leases are never evicted, now or after a reload. */
    private final Set<String> pinnedModels = ConcurrentHashMap.newKeySet();
    private final KeepWarm keepWarm = new KeepWarm(this::reloadEvicted);

    Residency(Versions versions) {
        this.versions = versions;
    }

    /** Whether the model's leases are never evicted: pinned through the API or by its configuration. */
    boolean isPinned(ModelConfig config) {
        return pinnedModels.contains(config.name())
                || config.parameter("pinned").map(Boolean::parseBoolean).orElse(false);
    }

    /** Pins or unpins a model through the API; its loaded leases follow at once (its configuration may still pin). */
    void pin(String modelName, boolean pinned) {
        RepositoryModel model = versions.model(modelName);
        if (pinned) {
            pinnedModels.add(modelName);
        } else {
            pinnedModels.remove(modelName);
        }
        boolean effective = isPinned(model.config());
        for (ModelVersion version : versions.versions(modelName)) {
            version.leases().forEach(lease -> lease.pin(effective));
        }
    }

    /** A version of the model loaded: keep-warm follows it if its configuration asks. */
    void loaded(String modelName, ModelConfig completed) {
        keepWarm.follow(modelName, completed);
    }

    /** The model was unloaded on purpose: keep-warm stops loading it again. */
    void forget(String modelName) {
        keepWarm.forget(modelName);
    }

    /**
     * Keep-warm: loads again the versions of a model that memory pressure evicted (as a request would, warm-up
     * included). Returns false when the model is gone, so that keep-warm forgets it.
     */
    private boolean reloadEvicted(String modelName) {
        RepositoryModel model;
        try {
            model = versions.model(modelName);
        } catch (GantryException gone) {
            return false;
        }
        for (ModelVersion version : versions.versions(modelName)) {
            if (version.wasEvicted() && version.state() == ModelState.UNAVAILABLE) {
                LOG.info("Keep-warm: loading model '{}' version {} again after its eviction", modelName,
                        version.version());
                versions.reload(version, model);
            }
        }
        return true;
    }

    @Override
    public void close() {
        keepWarm.close();
    }
}
