package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.gantry.api.repository.RepositoryModel;

/**
 * Reloads a model that serves, as Triton reloads: its versions load again as a new generation beside the ones that
 * serve, which go on answering meanwhile; once every new one is ready, requests reach the new ones at once and the
 * old ones drain and unload, so there is no gap. A generation that fails to load changes nothing ("when reloading a
 * model fails, the already loaded model will be unchanged"): what of it loaded is unloaded, and the failure is the
 * load request's alone. Reloads of one model run one at a time.
 */
final class GenerationSwap {

    /** What a swap needs of the runtime. */
    interface Lifecycle {
        /** The version requests reach now (whatever its state), or null. */
        ModelVersion registered(String model, long version);

        /**
         * Loads versions that no request reaches yet, all at once, and waits for them; fails as a load request fails
         * (with the first failure).
         */
        void loadUnregistered(List<ModelVersion> versions, RepositoryModel model);

        /** Makes {@code next} the version requests reach; returns the one it replaced, or null. */
        ModelVersion register(ModelVersion next);

        /** Unloads a version, once the requests it runs have finished. */
        void unload(ModelVersion version, String why);

        /** After a swap: the versions that the model's version policy no longer selects drain and unload. */
        void retireUnselected(RepositoryModel model);
    }

    private final Lifecycle lifecycle;
    /** One lock per model name: reloads of a model wait for each other; other models' do not. */
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    GenerationSwap(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    /** The selected versions that serve and whose files changed since they were loaded. */
    SortedSet<Long> changedVersions(RepositoryModel model, SortedSet<Long> selected) {
        SortedSet<Long> changed = new TreeSet<>();
        for (long version : selected) {
            ModelVersion serving = lifecycle.registered(model.name(), version);
            if (serving != null && serving.isReady()
                    && !Objects.equals(serving.source(), ModelFingerprint.of(model.directory(), version))) {
                changed.add(version);
            }
        }
        return changed;
    }

    /**
     * Loads {@code versions} of the model as a new generation from its files and configuration and swaps them in;
     * returns when the new generation serves, or throws what its load threw, with the old one serving as before.
     */
    void reload(RepositoryModel model, SortedSet<Long> versions) {
        synchronized (locks.computeIfAbsent(model.name(), name -> new Object())) {
            List<ModelVersion> next = new ArrayList<>();
            for (long version : versions) {
                ModelVersion serving = lifecycle.registered(model.name(), version);
                next.add(serving == null ? new ModelVersion(model.name(), version) : serving.nextGeneration());
            }
            try {
                lifecycle.loadUnregistered(next, model);
            } catch (RuntimeException failure) {
                for (ModelVersion failed : next) {
                    lifecycle.unload(failed, "its reload failed; the version loaded before serves on");
                }
                throw failure;
            }
            List<ModelVersion> replaced = new ArrayList<>();
            for (ModelVersion version : next) {
                ModelVersion old = lifecycle.register(version);
                if (old != null && old != version) {
                    replaced.add(old);
                }
            }
            for (ModelVersion old : replaced) {
                lifecycle.unload(old, "replaced by a reload");
            }
            lifecycle.retireUnselected(model);
        }
    }
}
