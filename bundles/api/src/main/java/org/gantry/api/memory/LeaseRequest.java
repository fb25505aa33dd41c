package org.gantry.api.memory;

import java.util.List;
import java.util.Objects;

import org.gantry.api.backend.Device;

/**
 * What a model version asks of the {@link MemoryManager} before it loads.
 *
 * @param model      the model name
 * @param version    the model version
 * @param candidates devices the model may load onto, in order of preference; the manager picks one
 * @param bytes      the estimated footprint (learned, or derived from the artifact)
 * @param pinned     whether the model must never be evicted
 * @param evictable  how the manager unloads the model when it needs the room
 */
public record LeaseRequest(String model, long version, List<Device> candidates, long bytes, boolean pinned,
        Evictable evictable) {

    public LeaseRequest {
        Objects.requireNonNull(model, "model");
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("a lease needs at least one candidate device");
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        Objects.requireNonNull(evictable, "evictable");
    }
}
