package org.gantry.api.inference;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.gantry.api.tensor.Tensor;

/**
 * The answer to an {@link InferenceRequest}: the model and version that ran, the request id echoed,
 * and the output tensors in the order they were asked for (or the model's order).
 */
public record InferenceResponse(String modelName, String modelVersion, String id, Map<String, Object> parameters,
        List<Tensor> outputs) {

    public InferenceResponse {
        Objects.requireNonNull(modelName, "modelName");
        parameters = Map.copyOf(Objects.requireNonNullElse(parameters, Map.of()));
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    }
}
