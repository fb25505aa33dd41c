package org.gantry.backend.ensemble.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
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
 * L2 normalisation over the last dimension, as torch's {@code F.normalize(x, p=2, dim=-1)}: {@code INPUT} FP32
 * [..., n] gives {@code OUTPUT} of the same shape, each row divided by max(‖row‖, {@code epsilon}). Parameter
 * {@code epsilon} (default 1e-12).
 */
@Component(service = Processor.class)
public final class L2Normalize extends TensorProcessor {

    static final Port INPUT = new Port("INPUT", DataType.FP32, 2);
    static final Port OUTPUT = new Port("OUTPUT", DataType.FP32, 2);

    public L2Normalize() {
        super("l2_normalize", List.of(INPUT), List.of(OUTPUT));
    }

    @Override
    Function<InferenceRequest, List<Tensor>> prepare(ModelConfig config) {
        double epsilon = epsilon(config);
        return request -> List.of(normalize(INPUT.read(request, config.name(), 1), epsilon));
    }

    private static double epsilon(ModelConfig config) {
        String value = config.parameter("epsilon").orElse("1e-12");
        try {
            double epsilon = Double.parseDouble(value);
            if (epsilon > 0 && Double.isFinite(epsilon)) {
                return epsilon;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GantryException.invalidArgument("model '%s': parameter 'epsilon' must be a positive number, not '%s'",
                config.name(), value);
    }

    static Tensor normalize(Tensor input, double epsilon) {
        long[] shape = input.shape();
        int width = Math.toIntExact(shape[shape.length - 1]);
        long rows = width == 0 ? 0 : input.elementCount() / width;
        FloatBuffer values = input.data().asFloatBuffer();
        ByteBuffer out = Tensors.allocate(input.elementCount(), DataType.FP32);
        FloatBuffer normalized = out.asFloatBuffer();
        for (int row = 0; row < rows; row++) {
            double squares = 0;
            for (int i = 0; i < width; i++) {
                double v = values.get(row * width + i);
                squares += v * v;
            }
            double norm = Math.max(Math.sqrt(squares), epsilon);
            for (int i = 0; i < width; i++) {
                normalized.put(row * width + i, (float) (values.get(row * width + i) / norm));
            }
        }
        return Tensor.of(OUTPUT.name(), DataType.FP32, shape, out);
    }
}
