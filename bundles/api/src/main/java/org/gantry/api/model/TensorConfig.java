package org.gantry.api.model;

import java.util.List;
import java.util.Objects;

import org.gantry.api.tensor.DataType;

/**
 * A declared input or output of a model.
 *
 * @param name     the tensor name
 * @param dataType the element type
 * @param dims     the shape without the batch dimension when the model batches; -1 marks a variable dimension
 * @param reshape  the shape the backend sees instead of {@code dims}, or empty for none
 * @param optional whether an input may be left out of a request
 */
public record TensorConfig(String name, DataType dataType, List<Long> dims, List<Long> reshape, boolean optional) {

    public TensorConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        dims = List.copyOf(Objects.requireNonNull(dims, "dims"));
        reshape = List.copyOf(Objects.requireNonNullElse(reshape, List.of()));
    }

    public TensorConfig(String name, DataType dataType, List<Long> dims) {
        this(name, dataType, dims, List.of(), false);
    }

    public boolean hasReshape() {
        return !reshape.isEmpty();
    }
}
