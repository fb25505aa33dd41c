package org.gantry.backend.ensemble.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/**
 * A tensor a built-in processor takes or gives, named and typed once for both its declaration and its reading.
 *
 * @param rank the rank of its declared full shape, every dimension variable
 */
record Port(String name, DataType type, int rank) {

    /** Its declaration for a model: the configuration's dims leave out the batch dimension when the model batches. */
    TensorConfig declared(ModelConfig config) {
        List<Long> dims = new ArrayList<>();
        for (int i = config.batched() ? 1 : 0; i < rank; i++) {
            dims.add(-1L);
        }
        return new TensorConfig(name, type, dims);
    }

    /** The request's input of this name and type, with at least {@code minimumRank} dimensions. */
    Tensor read(InferenceRequest request, String model, int minimumRank) {
        Tensor input = request.input(name);
        if (input == null) {
            throw GantryException.invalidArgument("model '%s' needs input '%s'", model, name);
        }
        if (input.dataType() != type || input.rank() < minimumRank) {
            throw GantryException.invalidArgument("model '%s': input '%s' must be %s with at least %d dimensions, not"
                    + " %s of shape %s", model, name, type, minimumRank, input.dataType(),
                    Arrays.toString(input.shape()));
        }
        return input;
    }
}
