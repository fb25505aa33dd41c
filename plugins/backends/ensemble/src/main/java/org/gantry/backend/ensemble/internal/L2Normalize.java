package org.gantry.backend.ensemble.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;

import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.osgi.service.component.annotations.Component;

/**
 * L2 normalisation over the last dimension, as torch's {@code F.normalize(x, p=2, dim=-1)}: {@code INPUT} FP32
 * [..., n] gives {@code OUTPUT} of the same shape, each row divided by max(‖row‖, {@code epsilon}). Parameter
 * {@code epsilon} (default 1e-12).
 */
@Component
public final class L2Normalize implements Processor {

    static final String INPUT = "INPUT";
    static final String OUTPUT = "OUTPUT";

    @Override
    public String name() {
        return "l2_normalize";
    }

    @Override
    public ProcessorFunction open(ModelLoadContext context) {
        ModelConfig config = context.config();
        double epsilon = epsilon(config);
        List<TensorConfig> inputs = List.of(Tensors.variable(config, INPUT, DataType.FP32, 2));
        List<TensorConfig> outputs = List.of(Tensors.variable(config, OUTPUT, DataType.FP32, 2));
        return ProcessorFunction.of(inputs, outputs, request -> List.of(normalize(Tensors.input(request, config.name(),
                INPUT, DataType.FP32, 1), epsilon)));
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
        return Tensor.of(OUTPUT, DataType.FP32, shape, out);
    }
}
