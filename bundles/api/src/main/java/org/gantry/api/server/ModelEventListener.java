package org.gantry.api.server;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives what happens to models: loads, unloads and inferences. Register implementations as OSGi services
 * (whiteboard); the runtime calls every one, on the thread where the event happened, so implementations must
 * be quick and thread-safe. Metrics and audit bundles use it.
 */
@ConsumerType
public interface ModelEventListener {

    /**
     * A model version finished loading.
     *
     * @param coldStart whether a request was waiting for it (loaded on demand), rather than an explicit load
     */
    default void modelLoaded(String model, long version, long durationNanos, boolean coldStart) {
    }

    /** A model version ran its configured warm-up requests, which took {@code durationNanos}, before it was ready. */
    default void modelWarmedUp(String model, long version, long durationNanos) {
    }

    /**
     * A load of a model version entered a phase; the phase lasts until the next one starts or the load ends
     * ({@link #modelLoaded}, {@link #modelLoadFailed}). Consoles and status pages show slow loads with it.
     *
     * @since 1.3
     */
    default void loadPhaseStarted(String model, long version, LoadPhase phase) {
    }

    /** A model version's load failed. */
    default void modelLoadFailed(String model, long version) {
    }

    /**
     * A model version's load failed, and why (the message the repository index reports). Runtimes call this one;
     * it calls {@link #modelLoadFailed(String, long)} unless overridden.
     *
     * @since 1.3
     */
    default void modelLoadFailed(String model, long version, String reason) {
        modelLoadFailed(model, version);
    }

    /**
     * A model version was unloaded.
     *
     * @param evicted whether the memory manager evicted it to make room
     */
    default void modelUnloaded(String model, long version, boolean evicted) {
    }

    /**
     * An inference was admitted to a loaded model version: it holds the model (which cannot be evicted) until
     * {@link #inferenceCompleted} for the same request.
     *
     * @since 1.3
     */
    default void inferenceStarted(String model, long version) {
    }

    /** An inference ended, successfully or not, after {@code durationNanos} in the runtime and backend. */
    default void inferenceCompleted(String model, long version, long durationNanos, boolean success) {
    }
}
