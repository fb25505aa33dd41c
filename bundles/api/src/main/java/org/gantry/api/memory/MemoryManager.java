package org.gantry.api.memory;

import java.time.Duration;
import java.util.OptionalLong;

import org.gantry.api.backend.Device;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Arbitrates device memory between model versions: the only place that decides what stays resident. Every
 * loaded model version holds a {@link Lease}; when a new lease does not fit its device's budget, the least
 * recently used idle, unpinned models on that device are evicted until it does.
 */
@ProviderType
public interface MemoryManager {

    /**
     * Reserves memory for one model version before it loads, evicting least recently used idle models on the
     * chosen device as needed; does not wait.
     *
     * @throws org.gantry.api.error.GantryException INSUFFICIENT_MEMORY when the reservation cannot fit now: larger
     *         than the budget, everything else on the device pinned, busy or still loading, or other reservations
     *         waiting for room
     */
    Lease reserve(LeaseRequest request);

    /**
     * Reserves memory for one model version before it loads. When the room can be made only once busy or loading
     * models are idle, or once models being unloaded are gone, waits for that, in arrival order with the other
     * reservations waiting for the same device, up to {@code maxWait}; then evicts the least recently used idle
     * models as needed.
     *
     * @throws org.gantry.api.error.GantryException INSUFFICIENT_MEMORY at once when the reservation can never fit:
     *         larger than the budget, or everything else on the device pinned; UNAVAILABLE, with a retry-after, when
     *         {@code maxWait} passed first (the message says what it waited for)
     * @since 1.1 (the default answers as {@link #reserve(LeaseRequest)}: a manager that cannot wait)
     */
    default Lease reserve(LeaseRequest request, Duration maxWait) {
        return reserve(request);
    }

    /**
     * Evicts least recently used idle models on a device until {@code bytes} more are free or nothing else can
     * go, for an engine that ran out of memory although its lease fit.
     *
     * @param requester the lease of the model that needs the room; never evicted by this call
     * @return the bytes freed
     */
    long evictFor(Device device, long bytes, Lease requester);

    /**
     * Native memory this process has in use now (the C allocator's count, outside the Java heap), or -1 where it
     * cannot be read: the runtime measures a model's overhead on the host from its change across a load.
     */
    long hostBytesInUse();

    /** The footprint measured for this artifact before, remembered across restarts. */
    OptionalLong learnedFootprint(String artifactKey);

    /** Devices, budgets, leases and the eviction count, as operators and autoscalers see them. */
    MemoryReport report();
}
