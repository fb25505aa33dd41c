package org.gantry.backend.ensemble.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/** Small helpers the built-in processors share: declaring tensors and reading inputs. */
final class Tensors {

    private Tensors() {
    }

    /**
     * A tensor declaration whose full shape has {@code rank} variable dimensions: the configuration's dims leave out
     * the batch dimension when the model batches.
     */
    static TensorConfig variable(ModelConfig config, String name, DataType type, int rank) {
        List<Long> dims = new ArrayList<>();
        for (int i = config.batched() ? 1 : 0; i < rank; i++) {
            dims.add(-1L);
        }
        return new TensorConfig(name, type, dims);
    }

    /** The input of that name and type, with at least {@code minimumRank} dimensions. */
    static Tensor input(InferenceRequest request, String model, String name, DataType type, int minimumRank) {
        Tensor input = request.input(name);
        if (input == null) {
            throw GantryException.invalidArgument("model '%s' needs input '%s'", model, name);
        }
        if (input.dataType() != type || input.rank() < minimumRank) {
            throw GantryException.invalidArgument("model '%s': input '%s' must be %s with at least %d dimensions, not"
                    + " %s of shape %s", model, name, type, minimumRank, input.dataType(),
                    java.util.Arrays.toString(input.shape()));
        }
        return input;
    }

    static ByteBuffer allocate(long elements, DataType type) {
        return ByteBuffer.allocate(Math.toIntExact(elements * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }
}
