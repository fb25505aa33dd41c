package org.gantry.api.inference;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.gantry.api.tensor.Tensor;

/**
 * One inference request: input tensors, the outputs wanted (all when empty), request parameters
 * (protocol values: String, Number or Boolean) and the caller's id, echoed in the response.
 *
 * @param id         the caller's request id, or null
 * @param parameters request parameters such as {@code priority} and {@code timeout}; never null
 * @param inputs     input tensors, each named as the model's input
 * @param outputs    requested outputs; empty means every output of the model
 */
public record InferenceRequest(String id, Map<String, Object> parameters, List<Tensor> inputs,
        List<RequestedOutput> outputs) {

    public InferenceRequest {
        parameters = Map.copyOf(Objects.requireNonNullElse(parameters, Map.of()));
        inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
        outputs = List.copyOf(Objects.requireNonNullElse(outputs, List.of()));
    }

    /** A request for every output of the model. */
    public static InferenceRequest of(List<Tensor> inputs) {
        return new InferenceRequest(null, Map.of(), inputs, List.of());
    }

    /** The input of that name, or null. */
    public Tensor input(String name) {
        for (Tensor input : inputs) {
            if (input.name().equals(name)) {
                return input;
            }
        }
        return null;
    }

    /** The same request with other inputs (after validation or reshaping). */
    public InferenceRequest withInputs(List<Tensor> newInputs) {
        return new InferenceRequest(id, parameters, newInputs, outputs);
    }
}
