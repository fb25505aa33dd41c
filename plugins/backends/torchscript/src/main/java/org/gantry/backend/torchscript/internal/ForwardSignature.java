package org.gantry.backend.torchscript.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.Tensor;

/**
 * How a configuration maps onto {@code forward}: the inputs as positional arguments and the results as the
 * declared outputs, in the order {@link TorchScriptBackend#orderedNames} gives. Shared by both engines.
 */
final class ForwardSignature {

    private final ModelConfig config;
    private final List<String> inputOrder;
    private final List<String> outputOrder;

    ForwardSignature(ModelConfig config) {
        this.config = config;
        this.inputOrder = TorchScriptBackend.orderedNames(config.inputs());
        this.outputOrder = TorchScriptBackend.orderedNames(config.outputs());
    }

    String modelName() {
        return config.name();
    }

    /** The request's tensors in {@code forward}'s order. */
    List<Tensor> arguments(InferenceRequest request) {
        List<Tensor> arguments = new ArrayList<>(inputOrder.size());
        for (String name : inputOrder) {
            Tensor input = request.input(name);
            if (input == null) { // an optional input left out: TorchScript takes positional arguments only
                throw GantryException.invalidArgument("model '%s' needs input '%s': TorchScript takes every"
                        + " argument of forward()", config.name(), name);
            }
            arguments.add(input);
        }
        return arguments;
    }

    /**
     * Names the engine's results as the declared outputs, checking their count and datatypes.
     *
     * @param toTensor turns one result into a tensor of the given name
     */
    <R> List<Tensor> outputs(List<R> results, BiFunction<String, R, Tensor> toTensor) {
        if (results.size() < outputOrder.size()) {
            throw GantryException.internal(String.format("model '%s' returned %d tensors but config.pbtxt declares %d"
                    + " outputs", config.name(), results.size(), outputOrder.size()), null);
        }
        List<Tensor> outputs = new ArrayList<>(outputOrder.size());
        for (int i = 0; i < outputOrder.size(); i++) {
            String name = outputOrder.get(i);
            Tensor output = toTensor.apply(name, results.get(i));
            TensorConfig declared = config.output(name).orElseThrow();
            if (output.dataType() != declared.dataType()) {
                throw GantryException.internal(String.format("model '%s' returned %s for output '%s' but config.pbtxt"
                        + " declares %s", config.name(), output.dataType(), name, declared.dataType()), null);
            }
            outputs.add(output);
        }
        return outputs;
    }
}
