package org.gantry.api.model;

import java.util.Map;
import java.util.Objects;

/**
 * A warm-up request run before a model is ready (Triton's {@code model_warmup}).
 *
 * @param name      the warm-up's name, for reports
 * @param batchSize the batch size of the request (1 when the model does not batch)
 * @param inputs    the inputs by name
 * @param count     how many times the request is run
 */
public record ModelWarmup(String name, int batchSize, Map<String, WarmupInput> inputs, int count) {

    public ModelWarmup {
        name = Objects.requireNonNullElse(name, "");
        inputs = Map.copyOf(Objects.requireNonNullElse(inputs, Map.of()));
        batchSize = Math.max(batchSize, 1);
        count = Math.max(count, 1);
    }
}
