package org.gantry.api.model;

import java.util.List;
import java.util.Objects;

import org.gantry.api.tensor.DataType;

/**
 * One input of a warm-up request.
 *
 * @param dataType   the element type
 * @param dims       the shape without the batch dimension
 * @param source     where the data comes from
 * @param inputFile  for {@link Source#FILE}: the file under the model's {@code warmup/} folder
 */
public record WarmupInput(DataType dataType, List<Long> dims, Source source, String inputFile) {

    /** The kinds of warm-up data Triton defines. */
    public enum Source {
        ZERO,
        RANDOM,
        FILE
    }

    public WarmupInput {
        Objects.requireNonNull(dataType, "dataType");
        dims = List.copyOf(Objects.requireNonNull(dims, "dims"));
        Objects.requireNonNull(source, "source");
        inputFile = Objects.requireNonNullElse(inputFile, "");
    }
}
