package org.gantry.api.model;

import java.util.List;
import java.util.Objects;

/**
 * A group of execution instances of a model (Triton's {@code instance_group}).
 *
 * @param name  the group name, may be empty
 * @param count instances in the group (per GPU for GPU groups)
 * @param kind  where the instances run
 * @param gpus  GPU indexes for {@link Kind#GPU}; empty means every GPU
 */
public record InstanceGroup(String name, int count, Kind kind, List<Integer> gpus) {

    /** Where instances run, as Triton's {@code KIND_*}. */
    public enum Kind {
        AUTO,
        CPU,
        GPU,
        MODEL
    }

    public InstanceGroup {
        name = Objects.requireNonNullElse(name, "");
        if (count < 1) {
            throw new IllegalArgumentException("instance_group count must be at least 1: " + count);
        }
        kind = Objects.requireNonNullElse(kind, Kind.AUTO);
        gpus = List.copyOf(Objects.requireNonNullElse(gpus, List.of()));
    }
}
