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
}
