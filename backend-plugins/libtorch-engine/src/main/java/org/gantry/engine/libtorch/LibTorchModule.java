package org.gantry.engine.libtorch;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** A loaded TorchScript module. {@link #forward} may run on several threads at once. */
@ProviderType
public interface LibTorchModule extends AutoCloseable {

    /**
     * Runs {@code forward} with the tensors as positional arguments, without autograd.
     *
     * @return the result tensor, or the tensors of a returned tuple or list, in order, copied to the CPU
     * @throws LibTorchException with libtorch's message when the module rejects the inputs
     */
    List<NativeTensor> forward(List<NativeTensor> inputs);

    /** Bytes of the module's parameters and buffers on its device. */
    long bytes();

    /** The device the module was loaded onto ({@code cpu}, {@code cuda:0} ...). */
    String device();

    /** Frees the module; call after every {@link #forward} has returned. Further calls fail; closing twice is harmless. */
    @Override
    void close();
}
