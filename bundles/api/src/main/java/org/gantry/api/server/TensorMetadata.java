package org.gantry.api.server;

import java.util.List;

import org.gantry.api.tensor.DataType;

/** A tensor's name, datatype and shape (-1 for variable dimensions), as model metadata reports it. */
public record TensorMetadata(String name, DataType dataType, List<Long> shape) {

    public TensorMetadata {
        shape = List.copyOf(shape);
    }
}
