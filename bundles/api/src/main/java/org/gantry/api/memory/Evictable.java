package org.gantry.api.memory;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A resident model the {@link MemoryManager} may unload to make room. Implemented by the runtime.
 */
@ConsumerType
@FunctionalInterface
public interface Evictable {

    /**
     * Unloads the model if no request is in flight, freeing its engine memory and then closing its lease.
     * Must not block on requests: a busy model answers false and stays.
     *
     * @param reason why, for the model's status
     * @return whether the model was unloaded
     */
    boolean evictIfIdle(String reason);

    /**
     * The first half of an eviction, which the manager calls under its lock: if the model is idle, stops admitting
     * requests to it and returns the second half, which frees its engine memory and then closes its lease, and which
     * the manager runs outside its lock, so that no other reservation, request or report waits for an engine's
     * teardown. Must be quick and must not block.
     * <p>
     * The default runs all of {@link #evictIfIdle} in the first half, as implementations written before 1.1 expect.
     *
     * @param reason why, for the model's status
     * @return the unload to run, or null when the model is busy (requests in flight or waiting for it) and stays
     * @since 1.1
     */
    default Runnable beginEviction(String reason) {
        return evictIfIdle(reason) ? () -> {} : null;
    }
}
