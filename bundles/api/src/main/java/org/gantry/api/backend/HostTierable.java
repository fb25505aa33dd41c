package org.gantry.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An optional capability of a {@link LoadedModel} on a GPU: its weights can wait in host memory when the memory
 * manager evicts it, and come back onto a GPU without a file read, a deserialisation or a warm-up. The runtime moves
 * such a model to the host tier instead of closing it when the host tier has room, and moves it back on its next
 * request. No request runs on the model between {@link #offloadToHost()} and {@link #restore(Device)}.
 *
 * @since 1.6
 */
@ConsumerType
public interface HostTierable {

    /**
     * Moves the model's weights from its GPU into host memory (page-locked where the engine can, so that the way
     * back is one asynchronous copy), frees them on the GPU, and keeps everything else of the model.
     *
     * @return the bytes now held in host memory
     * @throws org.gantry.api.error.GantryException when the move fails; the runtime then closes the model
     */
    long offloadToHost();

    /**
     * Moves the weights back onto a device (the GPU the model left, or another one). Answers after the round trip
     * equal those before it, bit for bit.
     *
     * @throws org.gantry.api.error.GantryException INSUFFICIENT_MEMORY when the device runs out of memory; the
     *         runtime then closes the model and loads it from its files
     */
    void restore(Device device);
}
