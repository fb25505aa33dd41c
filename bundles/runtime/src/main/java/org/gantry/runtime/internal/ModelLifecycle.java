package org.gantry.runtime.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.gantry.api.backend.Backend;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.ModelOverride;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.server.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When versions load and unload: on a request's demand (one load shared by every waiter), on a load request (new
 * generations take over once ready), when a backend leaves, and when the version policy no longer selects a
 * version. In explicit model control only load requests load models.
 */
final class ModelLifecycle implements RequestExecutor.Admission {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLifecycle.class);

    private final ModelCatalog catalog;
    private final VersionRegistry registry;
    private final BackendTracker backends;
    private final ModelEvents events;
    private final VersionLoader loader;
    /** Instances evicted from GPUs that wait in host memory, and come back on their next load. */
    private final HostTierParking hostTier;
    private final Residency residency;
    /** Reloads of serving models: a new generation loads beside the serving one and takes over once ready. */
    private final GenerationSwap generations = new GenerationSwap(new Generations());
    /** Explicit model control: only load requests load models; these are the models they loaded. */
    private final boolean explicitControl;
    private final Set<String> explicitlyLoaded = ConcurrentHashMap.newKeySet();
    private final long retryDelayNanos;
    private final long drainTimeoutNanos;

    ModelLifecycle(ModelCatalog catalog, VersionRegistry registry, BackendTracker backends, ModelEvents events,
            MemoryManager memory, ModelInvoker invoker, RuntimeConfig config, boolean explicitControl) {
        this.catalog = catalog;
        this.registry = registry;
        this.backends = backends;
        this.events = events;
        this.explicitControl = explicitControl;
        this.retryDelayNanos = TimeUnit.SECONDS.toNanos(config.failedLoadRetrySeconds());
        this.drainTimeoutNanos = TimeUnit.SECONDS.toNanos(config.drainTimeoutSeconds());
        this.residency = new Residency(new ResidencyVersions());
        this.hostTier = new HostTierParking(memory);
        this.loader = new VersionLoader(new LoaderRuntime(), backends, memory, events, invoker, config, hostTier);
    }

    Residency residency() {
        return residency;
    }

    /** How long a version that failed to load answers with its failure before a request loads it again. */
    long retryDelayNanos() {
        return retryDelayNanos;
    }

    /**
     * Loads the versions the policy selects; versions that serve but whose files changed since their load are loaded
     * again (as a new generation that takes over once ready), as Triton's load of a loaded model does.
     */
    void load(String modelName) {
        RepositoryModel model = catalog.read(modelName);
        SortedSet<Long> selected = ModelCatalog.servedVersions(model);
        if (selected.isEmpty()) {
            throw ModelCatalog.noVersions(model);
        }
        explicitlyLoaded.add(modelName);
        SortedSet<Long> changed = generations.changedVersions(model, selected);
        if (!changed.isEmpty()) {
            generations.reload(model, changed);
        }
        List<ModelVersion> targets = new ArrayList<>();
        for (long version : selected) {
            ModelVersion target = registry.getOrCreate(modelName, version);
            targets.add(target);
            loader.startLoad(target, model, false, 0); // all versions load in parallel
        }
        // Versions the policy no longer selects keep serving until the selected ones are ready (the load then
        // retires them); if a new version fails, they go on serving and the failure is reported.
        // The loads above are this call's own: a failure seen while waiting is theirs and is reported, never loaded a
        // second time (which would also tell the listeners twice); a want of memory or of a backend is still retried.
        for (ModelVersion target : targets) {
            target.holdDuring(() -> loadUntilReady(target, model, Long.MAX_VALUE, true, ExecutionQueue.NO_DEADLINE));
        }
    }

    /**
     * Loads the model with the caller's configuration (and files) as a new generation that takes over once ready; a
     * load without one keeps the override in force, as Triton does, until the model is unloaded. If the new
     * generation fails to load, the one serving goes on unchanged and the override is not kept.
     */
    void load(String modelName, ModelOverride override) {
        if (override == null || override.isEmpty()) {
            load(modelName);
            return;
        }
        RepositoryModel replacement = catalog.prepare(modelName, override);
        try {
            SortedSet<Long> selected = ModelCatalog.servedVersions(replacement);
            if (selected.isEmpty()) {
                throw ModelCatalog.noVersions(replacement);
            }
            explicitlyLoaded.add(modelName);
            generations.reload(replacement, selected); // the new configuration applies to every version
        } catch (RuntimeException e) {
            catalog.discard(replacement);
            throw e;
        }
        catalog.commit(replacement);
    }

    /** After a version became ready: versions of the model that its policy no longer selects drain and unload. */
    private void retireUnselected(RepositoryModel model) {
        SortedSet<Long> selected = ModelCatalog.servedVersions(model);
        if (!registry.knows(model.name())
                || !selected.stream().map(v -> registry.get(model.name(), v)).allMatch(v -> v != null && v.isReady())) {
            return; // not every selected version serves yet
        }
        for (ModelVersion version : registry.versions(model.name())) {
            if (!selected.contains(version.version()) && version.state() == ModelState.READY) {
                loader.runAsync(() -> unloadVersion(version, "replaced: the version policy selects " + selected));
            }
        }
    }

    /** Unloads every version of a model and forgets a configuration given at load, and its keep-warm. */
    void unloadAll(String modelName, String why) {
        for (ModelVersion version : registry.versions(modelName)) {
            unloadVersion(version, why);
        }
        catalog.endOverride(modelName);
        residency.forget(modelName);
        explicitlyLoaded.remove(modelName);
    }

    /** Unloads the versions a backend serves: it left (their next request loads them again once one is back). */
    void unloadServedBy(Backend backend) {
        String why = String.format("backend '%s' was stopped; the model loads again on its next request once a"
                + " backend for it is available", backend.name());
        for (ModelVersion version : registry.all()) {
            if (version.backend() == backend) {
                unloadVersion(version, why);
            }
        }
    }

    /** The server stops: no new loads, every version unloads. */
    void stop() {
        residency.close();
        loader.close();
        for (ModelVersion version : registry.all()) {
            unloadVersion(version, "the server is stopping");
        }
        registry.clear();
        hostTier.closeAll();
    }

    /** Finds the version a request is for and makes sure it is loaded; the caller must acquire it next (expected). */
    @Override
    public ModelVersion resolve(String modelName, String version, long deadlineNanos) {
        ModelVersion ready = registry.expectReady(modelName, version);
        if (ready != null) {
            return ready; // hot path: no repository access for a resident model
        }
        RepositoryModel model = catalog.read(modelName);
        if (explicitControl && !explicitlyLoaded.contains(modelName)) {
            throw GantryException.unavailable("model '%s' is not loaded: in explicit model control mode only a load"
                    + " request loads a model (POST /v2/repository/models/%s/load, or gantry:load)", modelName,
                    modelName);
        }
        long chosen = ModelCatalog.chooseVersion(model, version);
        ModelVersion target = registry.getOrCreate(modelName, chosen);
        if (version == null) {
            ModelVersion serving = registry.replacedReadyVersion(modelName, ModelCatalog.servedVersions(model));
            if (serving != null) {
                // A newer version is on its way (or failed): the ready one serves until the newer is ready, so
                // traffic switches at once when it is, and a broken new version never interrupts it.
                loader.startLoad(target, model, false, retryDelayNanos);
                if (serving.expectIfReady()) {
                    return serving;
                }
            }
        }
        target.expectDuring(() -> loadUntilReady(target, model, retryDelayNanos, false, deadlineNanos));
        return target;
    }

    private void loadUntilReady(ModelVersion target, RepositoryModel model, long retryDelay, boolean explicit,
            long deadlineNanos) {
        long backendDeadline = Math.min(backends.waitDeadline(), deadlineNanos); // one wait in all
        for (int attempt = 0; attempt < RequestExecutor.MAX_ADMISSION_ATTEMPTS; attempt++) {
            backends.await(model.config(), backendDeadline);
            if (loader.await(target, loader.startLoad(target, model, !explicit, retryDelay), explicit,
                    deadlineNanos)) {
                return;
            }
        }
        throw GantryException.unavailable("model '%s' version %d could not serve after %d loads (%s); retry shortly",
                target.modelName(), target.version(), RequestExecutor.MAX_ADMISSION_ATTEMPTS, target.reason());
    }

    private void unloadVersion(ModelVersion version, String why) {
        hostTier.discard(version.modelName(), version.version(), why); // an unload frees the host tier's copy too
        try {
            ModelInstances toClose = version.beginUnload(drainTimeoutNanos);
            if (toClose != null) {
                toClose.closeModels("model '" + version.modelName() + "' version " + version.version());
                version.unloaded(why, false, !explicitControl && !loader.isClosed()); // requests that waited reload
                toClose.releaseLeases(); // only now: the engine has freed the memory
                events.tell(l -> l.modelUnloaded(version.modelName(), version.version(), false));
                LOG.info("Unloaded model '{}' version {}: {}", version.modelName(), version.version(), why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a load tells the lifecycle and asks of residency. */
    private final class LoaderRuntime implements VersionLoader.Runtime {

        @Override
        public boolean isPinned(ModelConfig config) {
            return residency.isPinned(config);
        }

        @Override
        public void loaded(ModelVersion version, RepositoryModel model, ModelConfig completed) {
            residency.loaded(version.modelName(), completed);
            if (registry.get(version.modelName(), version.version()) == version) { // a reload retires once swapped in
                retireUnselected(model);
            }
        }
    }

    /** What keep-warm and pinning look at. */
    private final class ResidencyVersions implements Residency.Versions {

        @Override
        public RepositoryModel model(String name) {
            return catalog.read(name);
        }

        @Override
        public Collection<ModelVersion> versions(String model) {
            return registry.versions(model);
        }

        @Override
        public void reload(ModelVersion version, RepositoryModel model) {
            loader.startLoad(version, model, false, retryDelayNanos);
        }
    }

    /** What a reload does with the runtime's versions. */
    private final class Generations implements GenerationSwap.Lifecycle {

        @Override
        public ModelVersion registered(String model, long version) {
            return registry.get(model, version);
        }

        @Override
        public void loadUnregistered(List<ModelVersion> versions, RepositoryModel model) {
            backends.await(model.config(), backends.waitDeadline());
            List<CompletableFuture<Void>> loads = new ArrayList<>();
            for (ModelVersion version : versions) {
                loads.add(loader.startLoad(version, model, false, 0));
            }
            for (int i = 0; i < versions.size(); i++) {
                ModelVersion version = versions.get(i);
                CompletableFuture<Void> load = loads.get(i);
                version.holdDuring(() -> { // not evicted before the load request has seen it ready
                    if (!loader.await(version, load, true, ExecutionQueue.NO_DEADLINE)) {
                        throw GantryException.unavailable("model '%s' version %d was unloaded before it could take"
                                + " over (memory is short); retry the load", model.name(), version.version());
                    }
                });
            }
        }

        @Override
        public ModelVersion register(ModelVersion next) {
            return registry.register(next);
        }

        @Override
        public void unload(ModelVersion version, String why) {
            unloadVersion(version, why);
        }

        @Override
        public void retireUnselected(RepositoryModel model) {
            ModelLifecycle.this.retireUnselected(model);
        }
    }
}
