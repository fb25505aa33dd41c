package org.gantry.api.backend;

import java.util.Objects;

/**
 * A device a model can be loaded onto: the host's CPU and memory, or one GPU.
 *
 * @param kind  CPU or GPU
 * @param index the GPU's index (0 for the CPU)
 */
public record Device(Kind kind, int index) {

    /** The host. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    public enum Kind {
        CPU,
        GPU
    }

    public Device {
        Objects.requireNonNull(kind, "kind");
        if (index < 0) {
            throw new IllegalArgumentException("device index must not be negative: " + index);
        }
    }

    public static Device gpu(int index) {
        return new Device(Kind.GPU, index);
    }

    /** {@code cpu}, or {@code cuda:<index>} as CUDA tools name GPUs. */
    public String name() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }

    @Override
    public String toString() {
        return name();
    }
}
