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

    /** The device the module's parameters are on ({@code cpu}, {@code cuda:0} ...): where it was loaded, or moved. */
    String device();

    /**
     * Moves the module's parameters and buffers to another device, keeping the module itself (no file read, no
     * deserialisation): to {@code cpu} from a GPU they go into page-locked host memory, so that moving them back
     * is one asynchronous copy per tensor; the call returns once every copy is done. Waits for calls to
     * {@link #forward} in flight. The answers after a round trip equal those before it, bit for bit. Tensors the
     * module's code holds as constants (not parameters or buffers) stay where they are.
     *
     * @param device {@code cpu} or {@code cuda:<index>}
     * @return the bytes moved
     * @throws LibTorchException when the device is not there or runs out of memory
     * @since 1.1
     */
    long moveTo(String device);

    /** Frees the module; call after every {@link #forward} has returned. Further calls fail; closing twice is harmless. */
    @Override
    void close();
}
