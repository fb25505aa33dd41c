package org.gantry.engine.libtorch;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * libtorch, loaded once per JVM: loads TorchScript modules onto the CPU or a CUDA device and reports the GPUs.
 * Every method may be called from several threads at once.
 */
@ProviderType
public interface LibTorchEngine {

    /**
     * Loads a TorchScript file onto a device, in eval mode.
     *
     * @param device {@code cpu} or {@code cuda:<index>}
     * @throws LibTorchException with libtorch's message when the file is no TorchScript module or the device is
     *         not there
     */
    LibTorchModule load(Path file, String device);

    /** Whether this libtorch was built with CUDA and sees at least one GPU. */
    boolean cudaAvailable();

    /** GPUs that libtorch sees (0 without CUDA). */
    int cudaDeviceCount();

    /**
     * Memory of one GPU.
     *
     * @throws LibTorchException when the bridge was built without CUDA or there is no such device
     */
    DeviceMemory cudaMemory(int index);

    /** Returns the CUDA caching allocator's unused blocks to the driver (nothing without CUDA). */
    void emptyCache();

    /** libtorch's version, e.g. {@code 2.11.0}. */
    String version();
}
