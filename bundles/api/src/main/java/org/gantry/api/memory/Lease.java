package org.gantry.api.memory;

import org.gantry.api.backend.Device;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Memory held by one model version on one device: its estimate while it loads, its measured footprint once
 * loaded. Closing the lease releases the memory; do that only after the engine has freed it.
 */
@ProviderType
public interface Lease extends AutoCloseable {

    Device device();

    /** The bytes the lease holds now. */
    long bytes();

    /**
     * Replaces the estimate with the measured footprint, remembers it for the artifact, and marks the model
     * resident (evictable once idle). Grows past the budget only by evicting others.
     *
     * @throws org.gantry.api.error.GantryException INSUFFICIENT_MEMORY if the measured footprint cannot fit
     */
    void commit(long measuredBytes, String artifactKey);

    /** Records a use of the model; cheap enough for every request. */
    void touch();

    /**
     * Says that the model has no request in flight any more, so that a reservation waiting for room may evict it
     * now rather than at its next look. Cheap when nothing waits (one volatile read); call it outside any lock that
     * an {@link Evictable} takes.
     *
     * @since 1.1
     */
    default void idle() {
    }

    boolean pinned();

    void pin(boolean pinned);

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}
