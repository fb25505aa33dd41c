package org.gantry.api.processor;

import java.util.List;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.Tensor;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@link Processor} prepared for one model version. Its tensors complete the model's configuration when that
 * declares none, and are checked against it when it does.
 */
@ConsumerType
public interface ProcessorFunction extends AutoCloseable {

    /** The inputs it takes, as a configuration declares them (dims without the batch dimension when batched). */
    List<TensorConfig> inputs();

    /** The outputs it produces, as a configuration declares them. */
    List<TensorConfig> outputs();

    /**
     * Runs the function; may be called from several threads at once.
     *
     * @return every output, named as {@link #outputs()}
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT for inputs it cannot process
     */
    List<Tensor> apply(InferenceRequest request);

    /** Bytes it holds (e.g. a vocabulary), or -1 if unknown. */
    default long footprintBytes() {
        return -1;
    }

    /** Frees what it holds; called once, after in-flight requests have finished. */
    @Override
    default void close() {
    }
}
