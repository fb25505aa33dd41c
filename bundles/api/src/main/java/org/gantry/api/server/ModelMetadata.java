package org.gantry.api.server;

import java.util.List;
import java.util.Objects;

/**
 * Model metadata as the KServe v2 protocol reports it.
 *
 * @param name     the model name
 * @param versions the versions available to serve
 * @param platform the platform (or backend name)
 * @param inputs   inputs with full shapes (batch dimension included as -1 for batching models)
 * @param outputs  outputs likewise
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {

    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
