package org.gantry.api.memory;

import java.util.Objects;

import org.gantry.api.backend.Device;

/**
 * What the runtime asks of the host tier for one model instance leaving a GPU.
 *
 * @param model       the model name
 * @param version     the model version
 * @param artifactKey the artifact the instance was loaded from: only a reload of the same files takes it back
 * @param from        the GPU the instance leaves
 * @param bytes       the host memory its weights take
 * @param drop        how the manager sends it on to disk (closes it) when the host tier or the host's own models
 *                    need the room; {@link Evictable#beginEviction} answers null while it is being restored
 * @since 1.2
 */
public record ParkRequest(String model, long version, String artifactKey, Device from, long bytes, Evictable drop) {

    public ParkRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(artifactKey, "artifactKey");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(drop, "drop");
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
    }
}
