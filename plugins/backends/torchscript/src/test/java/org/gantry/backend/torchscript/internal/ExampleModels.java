package org.gantry.backend.torchscript.internal;

import java.util.List;
import java.util.Map;

import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;

/** The configurations of the example models ({@code examples/models}) both engines' tests load, with parameters. */
final class ExampleModels {

    private ExampleModels() {
    }

    static ModelConfig simpleLinear(Map<String, String> parameters) {
        return new ModelConfig("simple_linear", "pytorch_libtorch", "", 8,
                List.of(new TensorConfig("INPUT__0", DataType.FP32, List.of(3L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(2L))), null, null, parameters, null);
    }

    static ModelConfig tokenScorer(Map<String, String> parameters) {
        return new ModelConfig("token_scorer", "", "pytorch", 4,
                List.of(new TensorConfig("token_ids", DataType.INT64, List.of(-1L)),
                        new TensorConfig("token_weights", DataType.FP32, List.of(-1L))),
                List.of(new TensorConfig("pooled", DataType.FP32, List.of(4L)),
                        new TensorConfig("token_count", DataType.INT64, List.of())),
                null, null, parameters, null);
    }

    static ModelConfig versionedScale(Map<String, String> parameters) {
        return new ModelConfig("versioned_scale", "pytorch_libtorch", "", 0,
                List.of(new TensorConfig("INPUT__0", DataType.FP32, List.of(-1L))),
                List.of(new TensorConfig("OUTPUT__0", DataType.FP32, List.of(-1L))), null, null, parameters, null);
    }
}
