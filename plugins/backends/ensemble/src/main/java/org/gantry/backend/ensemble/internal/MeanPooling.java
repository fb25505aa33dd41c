package org.gantry.backend.ensemble.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.osgi.service.component.annotations.Component;

/**
 * Mean pooling with the attention mask, as sentence-transformers pools token embeddings: {@code token_embeddings}
 * [..., tokens, hidden] FP32 and {@code attention_mask} [..., tokens] INT64 give {@code sentence_embedding}
 * [..., hidden], the mean of the embeddings of the tokens whose mask is not 0.
 */
@Component(service = Processor.class)
public final class MeanPooling extends TensorProcessor {

    static final Port EMBEDDINGS = new Port("token_embeddings", DataType.FP32, 3);
    static final Port MASK = new Port("attention_mask", DataType.INT64, 2);
    static final Port OUTPUT = new Port("sentence_embedding", DataType.FP32, 2);

    public MeanPooling() {
        super("mean_pooling", List.of(EMBEDDINGS, MASK), List.of(OUTPUT));
    }

    @Override
    Function<InferenceRequest, List<Tensor>> prepare(ModelConfig config) {
        return request -> List.of(pool(config.name(), EMBEDDINGS.read(request, config.name(), 2),
                MASK.read(request, config.name(), 1)));
    }

    static Tensor pool(String model, Tensor embeddings, Tensor mask) {
        long[] shape = embeddings.shape();
        int rank = shape.length;
        long[] maskShape = mask.shape();
        if (!Arrays.equals(Arrays.copyOf(shape, rank - 1), maskShape)) {
            throw GantryException.invalidArgument("model '%s': %s has shape %s, so %s must have shape %s, not %s",
                    model, EMBEDDINGS.name(), Arrays.toString(shape), MASK.name(),
                    Arrays.toString(Arrays.copyOf(shape, rank - 1)),
                    Arrays.toString(maskShape));
        }
        int hidden = Math.toIntExact(shape[rank - 1]);
        int tokens = Math.toIntExact(shape[rank - 2]);
        long rows = mask.elementCount() / Math.max(tokens, 1);
        FloatBuffer values = embeddings.data().asFloatBuffer();
        LongBuffer weights = mask.data().asLongBuffer();
        long[] outShape = Arrays.copyOf(Arrays.copyOf(shape, rank - 2), rank - 1);
        outShape[rank - 2] = hidden;
        ByteBuffer out = Tensors.allocate(rows * hidden, DataType.FP32);
        FloatBuffer pooled = out.asFloatBuffer();
        float[] sum = new float[hidden];
        for (int row = 0; row < rows; row++) {
            Arrays.fill(sum, 0f);
            float count = 0;
            for (int token = 0; token < tokens; token++) {
                long weight = weights.get(row * tokens + token);
                if (weight != 0) {
                    int base = (row * tokens + token) * hidden;
                    for (int h = 0; h < hidden; h++) {
                        sum[h] += values.get(base + h) * weight;
                    }
                    count += weight;
                }
            }
            float divisor = Math.max(count, 1e-9f); // as sentence-transformers clamps it
            for (int h = 0; h < hidden; h++) {
                pooled.put(row * hidden + h, sum[h] / divisor);
            }
        }
        return Tensor.of(OUTPUT.name(), DataType.FP32, outShape, out);
    }
}
