package org.gantry.api.memory;

import java.time.Duration;
import java.util.Optional;
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

    /**
     * Offers the host tier a model instance evicted from a GPU, so that its weights wait in host memory instead of
     * leaving memory. The tier makes room only by sending its own least recently parked entries to disk, never by
     * evicting a model served from the host, and never waits.
     *
     * @return a lease on the host for the parked weights (closed by the caller once they leave host memory), or
     *         empty when the tier is off, smaller than the request, or the host has no room for it: the instance
     *         then goes to disk, as before 1.2
     * @since 1.2
     */
    default Optional<Lease> park(ParkRequest request) {
        return Optional.empty();
    }

    /**
     * Takes a parked instance out of the host tier for its reload: its drop is no longer called, its lease still
     * holds the host memory until the caller closes it (once the weights are back on a GPU, or the instance is
     * closed).
     *
     * @param parked a lease that {@link #park} returned
     * @return false when the tier is already sending it to disk (its drop runs or ran): load it from its files
     * @since 1.2
     */
    default boolean unpark(Lease parked) {
        return false;
    }

    /**
     * Counts a reload of a model that could have waited in the host tier (evicted from a GPU, its backend able to
     * park it, not opted out): from the host tier it is a tier hit, from disk a miss.
     *
     * @param nanos from the reload's start until the model was ready again
     * @since 1.2
     */
    default void reloaded(Residence from, long nanos) {
    }

    /** Devices, budgets, leases and the eviction count, as operators and autoscalers see them. */
    MemoryReport report();
}
