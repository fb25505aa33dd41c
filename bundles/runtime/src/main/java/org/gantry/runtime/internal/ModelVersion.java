package org.gantry.runtime.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.gantry.api.backend.Backend;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.memory.Lease;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelState;
import org.gantry.api.server.ModelStatus;

/**
 * One version of one model and its lifecycle: UNAVAILABLE → LOADING → READY → UNLOADING → UNAVAILABLE, or
 * FAILED with the reason. All state changes happen under this object's monitor; loading itself runs outside
 * it, on a loader thread, and every waiter shares the same load (single flight).
 */
final class ModelVersion {

    private final String modelName;
    private final long version;
    /** Kept across unloads and reloads, as Triton keeps a version's statistics. */
    private final VersionStatistics statistics;
    private final ExecutionQueue queue;

    private ModelState state = ModelState.UNAVAILABLE;
    private String reason = "";
    private GantryException failure;
    private long failedAtNanos;
    /** Whether requests within the retry delay get {@link #failure} at once rather than a new load. */
    private boolean replayFailure;
    private CompletableFuture<Void> loading;
    private ModelInstances loaded;
    private Backend backend;
    private ModelConfig config;
    private boolean evicted;
    /** Requests that waited for the last load should load again: what ended it was passing. */
    private boolean loadAgain;
    private long readySinceMillis;
    private int inFlight;
    /** Requests on their way to {@link #acquire()}: until they got there, the version is not idle. */
    private int expected;

    /** What the instances were (or are being) loaded from, as {@link ModelFingerprint} describes it. */
    private String source;

    ModelVersion(String modelName, long version) {
        this(modelName, version, new VersionStatistics());
    }

    private ModelVersion(String modelName, long version, VersionStatistics statistics) {
        this.modelName = modelName;
        this.version = version;
        this.statistics = statistics;
        this.queue = new ExecutionQueue("model '" + modelName + "' version " + version);
    }

    /**
     * The same version loaded again beside this one (a reload): unloaded, with a queue of its own, counting into the
     * same statistics, as Triton keeps a version's statistics across reloads.
     */
    ModelVersion nextGeneration() {
        return new ModelVersion(modelName, version, statistics);
    }

    ExecutionQueue queue() {
        return queue;
    }

    String modelName() {
        return modelName;
    }

    VersionStatistics statistics() {
        return statistics;
    }

    long version() {
        return version;
    }

    synchronized ModelState state() {
        return state;
    }

    synchronized boolean isReady() {
        return state == ModelState.READY;
    }

    synchronized ModelStatus status() {
        return new ModelStatus(modelName, Long.toString(version), state, reason);
    }

    /** The configuration as completed by the backend, or null while not loaded. */
    synchronized ModelConfig config() {
        return config;
    }

    synchronized Backend backend() {
        return backend;
    }

    /**
     * Returns the load to wait for: the running one, a new one started with {@code loader}, or a completed
     * one when the version is ready. A version whose artifact or configuration failed to load less than
     * {@code retryDelayNanos} ago fails at once with that failure instead of loading again; a load that failed for
     * want of memory or of a backend is tried again by the next request.
     */
    synchronized CompletableFuture<Void> startLoad(Function<ModelVersion, CompletableFuture<Void>> loader,
            long retryDelayNanos) {
        switch (state) {
            case READY:
                return CompletableFuture.completedFuture(null);
            case LOADING:
                return loading;
            case UNLOADING:
                awaitUnloaded();
                return startLoad(loader, retryDelayNanos);
            case FAILED:
                if (replayFailure && System.nanoTime() - failedAtNanos < retryDelayNanos) {
                    return CompletableFuture.failedFuture(failure);
                }
                break;
            default:
                break;
        }
        state = ModelState.LOADING;
        reason = "";
        evicted = false;
        loadAgain = false;
        loading = loader.apply(this);
        return loading;
    }

    /** An unload (eviction, or a drain of in-flight requests) ends soon; a new load starts after it. */
    private void awaitUnloaded() {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            while (state == ModelState.UNLOADING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw GantryException.unavailable("model '%s' version %d is still being unloaded; retry shortly",
                            modelName, version);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while model '%s' version %d was being unloaded", modelName,
                    version);
        }
    }

    synchronized void loaded(Backend usedBackend, ModelConfig completedConfig, ModelInstances instances) {
        backend = usedBackend;
        config = completedConfig;
        loaded = instances;
        readySinceMillis = System.currentTimeMillis();
        queue.configure(instances.slots(), batching(completedConfig));
        failure = null;
        state = ModelState.READY;
        reason = "";
    }

    /** Triton's dynamic batching, for models with a batch dimension that ask for it. */
    private static ExecutionQueue.Batching batching(ModelConfig config) {
        DynamicBatching batching = config.dynamicBatching();
        if (batching == null || !config.batched()) {
            return ExecutionQueue.Batching.NONE;
        }
        return new ExecutionQueue.Batching(config.maxBatchSize(), batching.preferredBatchSizes(),
                TimeUnit.MICROSECONDS.toNanos(batching.maxQueueDelayMicros()), batching.preserveOrdering());
    }

    synchronized void failed(GantryException cause) {
        failure = cause;
        failedAtNanos = System.nanoTime();
        // Memory and backends come and go: such a failure says nothing about the next try.
        replayFailure = cause.kind() != ErrorKind.INSUFFICIENT_MEMORY && cause.kind() != ErrorKind.UNAVAILABLE;
        state = ModelState.FAILED;
        reason = cause.getMessage();
    }

    /**
     * Marks a version that could not load for a reason outside the artifact: no backend for it.
     *
     * @param backendExpected whether that backend served before and is expected back (an update or restart)
     */
    synchronized void unavailable(String why, boolean backendExpected) {
        state = ModelState.UNAVAILABLE;
        reason = why;
        failure = null;
        loadAgain = backendExpected;
    }

    /** Whether the last load failed less than {@code nanos} ago: requests then get that failure, not a new load. */
    synchronized boolean failedWithin(long nanos) {
        return state == ModelState.FAILED && System.nanoTime() - failedAtNanos < nanos;
    }

    /** Whether the last unload was an eviction (not a failure, a stop or a request). */
    synchronized boolean wasEvicted() {
        return evicted;
    }

    /**
     * Whether requests that waited for the last load should load again: it was evicted or unloaded before they got
     * to it, or its backend was away for a moment.
     */
    synchronized boolean loadsAgain() {
        return loadAgain;
    }

    synchronized GantryException lastFailure() {
        return failure;
    }

    synchronized String reason() {
        return reason;
    }

    /**
     * Runs {@code load} (which waits for this version to be loaded) for a request that will {@link #acquire()} the
     * version next: from the moment it is loaded until the request has acquired it, or given up (the load threw), the
     * version is not idle, so that a load made for waiting requests is not evicted before they ran on it.
     */
    void expectDuring(Runnable load) {
        synchronized (this) {
            expected++;
        }
        try {
            load.run();
        } catch (RuntimeException | Error e) {
            cancelExpectation(); // a leaked expectation would keep the version from ever being evicted
            throw e;
        }
    }

    /**
     * Runs {@code load} for a load request, which reports the version ready rather than acquiring it: as in
     * {@link #expectDuring}, a version that became ready is not evicted before the request has seen it so.
     */
    void holdDuring(Runnable load) {
        expectDuring(load);
        cancelExpectation();
    }

    /** Announces a request that will {@link #acquire()} the version next, if it is ready; says whether it is. */
    synchronized boolean expectIfReady() {
        if (state != ModelState.READY) {
            return false;
        }
        expected++;
        return true;
    }

    /** Ends an expectation without an acquire: the request gave up, or a load request saw the version ready. */
    private void cancelExpectation() {
        ModelInstances idle;
        synchronized (this) {
            expected--;
            idle = isIdle() ? loaded : null;
        }
        if (idle != null) {
            idle.idle();
        }
    }

    private boolean isIdle() {
        return state == ModelState.READY && inFlight == 0 && expected == 0;
    }

    /**
     * Takes a reference for one expected request, or returns null if the version is not ready (the expectation
     * ends either way).
     */
    synchronized ModelInstances acquire() {
        expected--;
        if (state != ModelState.READY) {
            return null;
        }
        inFlight++;
        loaded.touch();
        return loaded;
    }

    /** When the version last became ready (epoch milliseconds), 0 if never. */
    synchronized long readySinceMillis() {
        return readySinceMillis;
    }

    /** The first instance's memory lease while loaded, or null. */
    synchronized Lease lease() {
        return loaded == null ? null : loaded.primaryLease();
    }

    /** Every instance's memory lease while loaded; empty when not loaded. */
    synchronized List<Lease> leases() {
        return loaded == null ? List.of() : loaded.leases();
    }

    /**
     * For eviction: stops admitting requests and returns the model to close, but only if it is ready, no
     * request is in flight and none is on its way; otherwise returns null and changes nothing.
     */
    synchronized ModelInstances beginEvictionIfIdle() {
        if (!isIdle()) {
            return null;
        }
        state = ModelState.UNLOADING;
        return loaded;
    }

    /** Ends a request; the last one tells the memory manager, outside this monitor, that the model is idle. */
    void release() {
        ModelInstances idle;
        synchronized (this) {
            inFlight--;
            if (inFlight == 0) {
                notifyAll();
            }
            idle = isIdle() ? loaded : null;
        }
        if (idle != null) {
            idle.idle();
        }
    }

    /**
     * Stops admitting requests, waits up to {@code drainTimeoutNanos} for in-flight ones, then returns the
     * model to close (or null if nothing was loaded). The caller closes it outside the monitor and then calls
     * {@link #unloaded}.
     */
    synchronized ModelInstances beginUnload(long drainTimeoutNanos) throws InterruptedException {
        while (state == ModelState.LOADING) {
            wait(100);
        }
        if (state == ModelState.FAILED) {
            // An unload forgets the failure: the operator cleared what failed, so the next request tries again.
            state = ModelState.UNAVAILABLE;
            reason = "unloaded after a failed load";
            failure = null;
            return null;
        }
        if (state != ModelState.READY) {
            return null;
        }
        state = ModelState.UNLOADING;
        long deadline = System.nanoTime() + drainTimeoutNanos;
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return loaded;
    }

    /**
     * Marks the version unloaded, after the caller closed its instances; the caller then releases their leases
     * outside this monitor.
     *
     * @param byEviction  whether the memory manager unloaded it
     * @param waitersLoad whether requests that waited for it load it again (after an eviction; after an unload on
     *                    request, unless only load requests may load)
     */
    synchronized void unloaded(String why, boolean byEviction, boolean waitersLoad) {
        evicted = byEviction;
        loadAgain = waitersLoad;
        loaded = null;
        backend = null;
        config = null;
        state = ModelState.UNAVAILABLE;
        reason = why;
        notifyAll();
    }

    /** Records what a load of this version reads, as it starts. */
    synchronized void loadingFrom(String fingerprint) {
        source = fingerprint;
    }

    /** What the last load read, or null if it never loaded. */
    synchronized String source() {
        return source;
    }

    /** Wakes threads waiting in {@link #beginUnload} for a load to end. */
    synchronized void loadEnded() {
        notifyAll();
    }
}
