package org.gantry.backend.ensemble.internal;

import java.util.List;
import java.util.function.Function;

import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.tensor.Tensor;

/**
 * A built-in processor over numeric tensors: its name and its ports are fixed, their declarations follow the
 * model's batching, and opening it for a model only checks the model's parameters.
 */
abstract class TensorProcessor implements Processor {

    private final String name;
    private final List<Port> inputs;
    private final List<Port> outputs;

    TensorProcessor(String name, List<Port> inputs, List<Port> outputs) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final ProcessorFunction open(ModelLoadContext context) {
        ModelConfig config = context.config();
        Function<InferenceRequest, List<Tensor>> apply = prepare(config);
        return ProcessorFunction.of(declared(inputs, config), declared(outputs, config), apply);
    }

    private static List<TensorConfig> declared(List<Port> ports, ModelConfig config) {
        return ports.stream().map(port -> port.declared(config)).toList();
    }

    /**
     * The function for one model, its parameters checked.
     *
     * @throws org.gantry.api.error.GantryException INVALID_ARGUMENT naming the parameter at fault
     */
    abstract Function<InferenceRequest, List<Tensor>> prepare(ModelConfig config);
}
