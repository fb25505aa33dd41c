package org.gantry.runtime.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.memory.LeaseRequest;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;
import org.gantry.api.memory.Residence;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.RepositoryModel;
import org.gantry.api.server.LoadPhase;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.server.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one version on the loader threads: picks the backend, leases memory for each instance before it loads (so
 * parallel loads cannot overshoot a budget together), loads and warms it up, and commits the measured footprint.
 * A load that fails releases what it took and records the failure on the version; it never throws.
 */
final class VersionLoader implements AutoCloseable {

    /** What a load asks of the runtime. */
    interface Runtime {
        /** Whether the model's leases are never evicted (pinned through the API or by its configuration). */
        boolean isPinned(ModelConfig config);

        /** The version became ready: the runtime follows it (keep-warm) and retires versions it replaces. */
        void loaded(ModelVersion version, RepositoryModel model, ModelConfig completed);
    }

    private static final Logger LOG = LoggerFactory.getLogger(VersionLoader.class);

    private final Runtime runtime;
    private final BackendTracker backends;
    private final MemoryManager memory;
    private final ModelEvents events;
    /** Given to backends in their load context (an ensemble runs its steps through it). */
    private final ModelInvoker invoker;
    private final ExecutorService loaders;
    private final DeviceLoads deviceLoads;
    private final boolean measureLoadOverhead;
    private final long loadTimeoutNanos;
    /** How long a load waits for busy or loading models to make room. */
    private final Duration loadWait;
    /** Where evicted GPU instances wait, and where a load of the same files takes them back from. */
    private final HostTierParking hostTier;

    VersionLoader(Runtime runtime, BackendTracker backends, MemoryManager memory, ModelEvents events,
            ModelInvoker invoker, RuntimeConfig config, HostTierParking hostTier) {
        this.hostTier = hostTier;
        this.runtime = runtime;
        this.backends = backends;
        this.memory = memory;
        this.events = events;
        this.invoker = invoker;
        AtomicInteger threads = new AtomicInteger();
        this.loaders = Executors.newFixedThreadPool(config.loadThreads(), runnable -> {
            Thread thread = new Thread(runnable, "gantry-loader-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.measureLoadOverhead = config.measureLoadOverhead();
        this.loadTimeoutNanos = TimeUnit.SECONDS.toNanos(config.loadTimeoutSeconds());
        this.loadWait = Duration.ofSeconds(config.loadWaitSeconds());
        this.deviceLoads = new DeviceLoads(memory, config.loadsPerDevice(), loadWait);
    }

    /**
     * Starts loading the version unless a load runs or it is ready (see {@link ModelVersion#startLoad}).
     *
     * @param coldStart whether a request waits for this load (rather than an explicit load)
     */
    CompletableFuture<Void> startLoad(ModelVersion target, RepositoryModel model, boolean coldStart,
            long retryDelayNanos) {
        return target.startLoad(v -> CompletableFuture.runAsync(() -> load(v, model, coldStart), loaders),
                retryDelayNanos);
    }

    /** Runs housekeeping (an unload) on the loader threads. */
    void runAsync(Runnable task) {
        CompletableFuture.runAsync(task, loaders);
    }

    /** Whether the server is stopping: no new loads start. */
    boolean isClosed() {
        return loaders.isShutdown();
    }

    @Override
    public void close() {
        loaders.shutdownNow();
    }

    private void load(ModelVersion target, RepositoryModel model, boolean coldStart) {
        long started = System.nanoTime();
        List<Lease> leases = new ArrayList<>();
        List<LoadedModel> instances = new ArrayList<>();
        LoadProgress progress = new LoadProgress(target.modelName(), target.version(), events::tell);
        boolean succeeded = false;
        try {
            progress.enter(LoadPhase.READ);
            Backend backend = backends.backendFor(model.config());
            if (backend == null) {
                target.unavailable(backends.noBackendMessage(model.config()), backends.servedBefore(model.config()));
                return;
            }
            target.loadingFrom(ModelFingerprint.of(model.directory(), target.version()));
            LoadContext context = new LoadContext(model.config(), target.version(), model.directory(), Device.CPU,
                    invoker, memory);
            ModelConfig completed = backend.complete(context);
            KeepWarm.validate(completed);
            Artifact artifact = Artifact.of(context.versionDirectory());
            String artifactKey = artifact.key(target.modelName(), target.version());
            OptionalLong learned = memory.learnedFootprint(artifactKey);
            long estimate = learned.orElse((long) Math.ceil(artifact.bytes() * backend.footprintPerArtifactByte()));
            boolean fromHostTier = true;
            for (int instance = 0; instance < completed.instanceCount(); instance++) {
                // An instance evicted from a GPU into the host tier comes back from there: no file read.
                if (restoreFromHostTier(target, backend, completed, artifactKey, leases, instances, progress)) {
                    continue;
                }
                fromHostTier = false;
                // Later instances lease what the first one was measured to need.
                long expected = instance == 0 ? estimate : leases.get(0).bytes();
                boolean measure = instance == 0 && measureLoadOverhead && learned.isEmpty();
                loadInstance(target, backend, completed, model.directory(), artifact, artifactKey, expected, measure,
                        leases, instances, progress);
            }
            if (!backends.isRunning(backend)) {
                release(instances, leases); // the backend left while we were loading
                target.unavailable("backend '" + backend.name() + "' was stopped while the model was loading", true);
                return;
            }
            target.loaded(backend, completed, new ModelInstances(instances, leases, artifactKey,
                    HostTierParking.allowed(completed)));
            runtime.loaded(target, model, completed);
            long duration = System.nanoTime() - started;
            succeeded = true;
            hostTier.loaded(artifactKey, fromHostTier ? Residence.HOST_TIER : Residence.DISK, duration);
            events.tell(l -> l.modelLoaded(target.modelName(), target.version(), duration, coldStart));
            LOG.info("Loaded model '{}' version {} on backend '{}' in {} ms from {} ({} instance(s), {} bytes each"
                    + " on {})", target.modelName(), target.version(), backend.name(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    fromHostTier ? "the host tier" : "its files", instances.size(), leases.get(0).bytes(),
                    leases.stream().map(Lease::device).distinct().toList());
        } catch (GantryException e) {
            LOG.warn("Loading model '{}' version {} failed: {}", target.modelName(), target.version(), e.getMessage());
            release(instances, leases);
            // Listeners first: the caller waiting on this load hears of the failure only once they have.
            events.tell(l -> l.modelLoadFailed(target.modelName(), target.version(), e.getMessage()));
            target.failed(e);
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Loading model '{}' version {} failed", target.modelName(), target.version(), e);
            release(instances, leases);
            events.tell(l -> l.modelLoadFailed(target.modelName(), target.version(), "loading failed: " + e));
            target.failed(GantryException.internal("loading failed: " + e, e));
        } finally {
            progress.finished(succeeded);
            target.loadEnded();
        }
    }

    /**
     * Takes an instance of these files back from the host tier onto a GPU, if one waits there; adds it and its
     * lease to the lists. False when none waits or its copy failed: the caller loads from the files.
     */
    private boolean restoreFromHostTier(ModelVersion target, Backend backend, ModelConfig completed,
            String artifactKey, List<Lease> leases, List<LoadedModel> instances, LoadProgress progress) {
        HostTierParking.Parked parked = hostTier.take(artifactKey);
        if (parked == null) {
            return false;
        }
        progress.enter(LoadPhase.RESERVE_MEMORY);
        HostTierParking.Restored restored = hostTier.restore(parked, placement(completed, backend),
                (devices, bytes) -> memory.reserve(new LeaseRequest(target.modelName(), target.version(), devices,
                        bytes, runtime.isPinned(completed), eviction(target)), loadWait));
        if (restored == null) {
            return false;
        }
        leases.add(restored.lease());
        instances.add(restored.model());
        restored.lease().commit(restored.lease().bytes(), artifactKey);
        return true;
    }

    private List<Device> placement(ModelConfig completed, Backend backend) {
        List<Device> gpus = memory.report().devices().stream().map(MemoryReport.DeviceMemory::device)
                .filter(d -> d.kind() == Device.Kind.GPU).toList();
        return Placement.devices(completed, backend, gpus);
    }

    private VersionEviction eviction(ModelVersion target) {
        return new VersionEviction(target, v -> events.tell(l -> l.modelUnloaded(v.modelName(), v.version(), true)),
                hostTier);
    }

    /**
     * Loads one instance under a lease of its own and runs the warm-up on it; adds both to the lists as soon as
     * they exist, so that a failure releases them.
     *
     * @param measure whether to measure the native memory this load takes on the host (a first load, alone)
     */
    private void loadInstance(ModelVersion target, Backend backend, ModelConfig completed, Path directory,
            Artifact artifact, String artifactKey, long expectedBytes, boolean measure, List<Lease> leases,
            List<LoadedModel> instances, LoadProgress progress) {
        // The lease is taken before loading, so parallel loads cannot overshoot the budget together.
        progress.enter(LoadPhase.RESERVE_MEMORY);
        Lease lease = memory.reserve(new LeaseRequest(target.modelName(), target.version(),
                placement(completed, backend), expectedBytes, runtime.isPinned(completed), eviction(target)),
                loadWait);
        leases.add(lease);
        boolean measured = measure && lease.device().kind() == Device.Kind.CPU;
        long nativeBefore = measured ? memory.hostBytesInUse() : -1;
        progress.enter(LoadPhase.DESERIALISE);
        LoadedModel loaded = deviceLoads.load(backend, new LoadContext(completed, target.version(), directory,
                lease.device(), invoker, memory), lease, artifact.bytes(), measured);
        instances.add(loaded);
        // Warm-up runs before READY, so no request can race it; its working memory counts in the measurement.
        if (!completed.warmup().isEmpty()) {
            progress.enter(LoadPhase.WARM_UP);
        }
        long warmupNanos = WarmupRunner.run(completed, directory, loaded);
        if (!completed.warmup().isEmpty()) {
            LOG.info("Warmed up model '{}' version {} with {} warm-up request(s) in {} ms", target.modelName(),
                    target.version(), completed.warmup().size(), TimeUnit.NANOSECONDS.toMillis(warmupNanos));
            events.tell(l -> l.modelWarmedUp(target.modelName(), target.version(), warmupNanos));
        }
        long nativeGrowth = measured && nativeBefore >= 0 ? memory.hostBytesInUse() - nativeBefore : 0;
        long footprint = Math.max(loaded.footprintBytes(), Math.max(nativeGrowth, memory.learnedFootprint(artifactKey)
                .orElse(0)));
        lease.commit(footprint > 0 ? footprint : expectedBytes, artifactKey);
    }

    private static void release(List<LoadedModel> instances, List<Lease> leases) {
        for (LoadedModel instance : instances) {
            try {
                instance.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Closing a partly loaded model failed", e);
            }
        }
        leases.forEach(Lease::close);
    }

    /**
     * Waits for a load. Failures of explicit loads keep their kind (a corrupt artifact is the caller's 400);
     * a request that only wanted to infer gets 503, since the model cannot be served.
     *
     * @return true when the version is ready; false when it must be loaded again (memory pressure evicted it)
     */
    boolean await(ModelVersion target, CompletableFuture<Void> load, boolean explicit, long deadlineNanos) {
        long untilDeadline = deadlineNanos == ExecutionQueue.NO_DEADLINE ? Long.MAX_VALUE
                : deadlineNanos - System.nanoTime();
        try {
            load.get(Math.max(0, Math.min(loadTimeoutNanos, untilDeadline)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (untilDeadline < loadTimeoutNanos) {
                throw new GantryException(ErrorKind.TIMEOUT, String.format("the request timed out: its timeout passed"
                        + " while model '%s' version %d was loading", target.modelName(), target.version()));
            }
            throw new GantryException(ErrorKind.TIMEOUT, String.format(
                    "model '%s' version %d is still loading after %d s", target.modelName(), target.version(),
                    TimeUnit.NANOSECONDS.toSeconds(loadTimeoutNanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while waiting for model '%s' to load", target.modelName());
        } catch (ExecutionException e) {
            // load records failures itself; a failed future only comes from a recent failure replayed.
        }
        ModelState state = target.state();
        if (state == ModelState.READY) {
            return true;
        }
        if (state == ModelState.LOADING || state == ModelState.UNLOADING || target.loadsAgain()) {
            return false; // evicted, its backend away for a moment, or loading again: the caller starts or joins a load
        }
        GantryException failure = target.lastFailure();
        int retryAfter = failure == null ? 0 : failure.retryAfterSeconds().orElse(0);
        if (failure != null && explicit) {
            throw new GantryException(failure.kind(), String.format("failed to load model '%s' version %d: %s",
                    target.modelName(), target.version(), failure.getMessage()), failure, retryAfter);
        }
        throw new GantryException(ErrorKind.UNAVAILABLE, String.format("model '%s' version %d is not available: %s",
                target.modelName(), target.version(), failure != null ? "its load failed: " + failure.getMessage()
                        : target.reason()),
                failure, retryAfter);
    }
}
