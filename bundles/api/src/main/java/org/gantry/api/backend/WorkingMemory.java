package org.gantry.api.backend;

import org.gantry.api.error.GantryException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Memory a loaded model takes while it runs a request, beyond what its load leased (a decoder's key/value cache),
 * taken on the model's device within the same budget as every model. The runtime gives it with the load context;
 * backends never see the memory manager itself.
 */
@ProviderType
@FunctionalInterface
public interface WorkingMemory {

    /** Memory held until closed. */
    interface Allocation extends AutoCloseable {
        /** The bytes held. */
        long bytes();

        /** Gives the memory back; closing again does nothing. */
        @Override
        void close();
    }

    /**
     * Takes {@code bytes} on the model's device until the allocation is closed; it is never evicted, and counts as
     * the model's own while held.
     *
     * @param purpose what the memory is for, shown in the memory report ({@code decoder cache})
     * @throws GantryException INSUFFICIENT_MEMORY at once when the budget has no room now (after evicting idle
     *                         models): the caller may wait for its own requests to free some and ask again
     */
    Allocation allocate(String purpose, long bytes);
}
