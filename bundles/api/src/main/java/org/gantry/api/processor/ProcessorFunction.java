package org.gantry.api.processor;

import java.util.List;
import java.util.function.Function;

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

    /** A function that holds nothing to free. */
    static ProcessorFunction of(List<TensorConfig> inputs, List<TensorConfig> outputs,
            Function<InferenceRequest, List<Tensor>> apply) {
        return of(inputs, outputs, apply, () -> {});
    }

    /** A function whose {@code close} runs {@code release}. */
    static ProcessorFunction of(List<TensorConfig> inputs, List<TensorConfig> outputs,
            Function<InferenceRequest, List<Tensor>> apply, Runnable release) {
        List<TensorConfig> in = List.copyOf(inputs);
        List<TensorConfig> out = List.copyOf(outputs);
        return new ProcessorFunction() {
            @Override
            public List<TensorConfig> inputs() {
                return in;
            }

            @Override
            public List<TensorConfig> outputs() {
                return out;
            }

            @Override
            public List<Tensor> apply(InferenceRequest request) {
                return apply.apply(request);
            }

            @Override
            public void close() {
                release.run();
            }
        };
    }
}
