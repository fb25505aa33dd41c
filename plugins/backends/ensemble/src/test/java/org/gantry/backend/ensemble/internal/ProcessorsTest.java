package org.gantry.backend.ensemble.internal;

import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.test.support.TestTensors.int64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestLoadContext;
import org.junit.jupiter.api.Test;

/** The built-in processors against values worked out by hand, and the processor backend's configuration checks. */
class ProcessorsTest {

    private static ModelLoadContext context(ModelConfig config) {
        return TestLoadContext.withoutFiles(config);
    }

    private static ModelConfig config(String name, String backend, Map<String, String> parameters) {
        return new ModelConfig(name, "", backend, 0, List.of(), List.of(), null, null, parameters, null);
    }

    @Test
    void meanPoolingAveragesTheTokensTheMaskKeeps() {
        ProcessorBackend backend = new ProcessorBackend(new MeanPooling());
        ModelConfig completed = backend.complete(context(config("pool", "mean_pooling", Map.of())));
        assertEquals(List.of("token_embeddings", "attention_mask"), completed.inputs().stream()
                .map(TensorConfig::name).toList());
        assertEquals(List.of(-1L, -1L), completed.outputs().get(0).dims());
        try (LoadedModel model = backend.load(context(completed))) {
            // Two sentences of 3 tokens, hidden size 2; the second has one padding token.
            Tensor embeddings = fp32("token_embeddings", new long[] { 2, 3, 2 }, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 99,
                    99);
            Tensor mask = int64("attention_mask", new long[] { 2, 3 }, 1, 1, 1, 1, 1, 0);
            Tensor pooled = model.infer(InferenceRequest.of(List.of(embeddings, mask))).get(0);
            assertArrayEquals(new long[] { 2, 2 }, pooled.shape());
            float[] values = new float[4];
            pooled.data().asFloatBuffer().get(values);
            assertArrayEquals(new float[] { 3, 4, 20, 30 }, values);

            GantryException wrongMask = assertThrows(GantryException.class, () -> model.infer(InferenceRequest.of(
                    List.of(embeddings, int64("attention_mask", new long[] { 2, 2 }, 1, 1, 1, 1)))));
            assertTrue(wrongMask.getMessage().contains("attention_mask must have shape [2, 3], not [2, 2]"),
                    wrongMask.getMessage());
        }
    }

    @Test
    void l2NormalizationGivesUnitRowsAsTorchDoes() {
        ProcessorBackend backend = new ProcessorBackend(new L2Normalize());
        ModelConfig completed = backend.complete(context(config("norm", "l2_normalize", Map.of())));
        try (LoadedModel model = backend.load(context(completed))) {
            Tensor out = model.infer(InferenceRequest.of(List.of(fp32("INPUT", new long[] { 2, 2 }, 3, 4, 0, 0))))
                    .get(0);
            float[] values = new float[4];
            out.data().asFloatBuffer().get(values);
            assertArrayEquals(new float[] { 0.6f, 0.8f, 0, 0 }, values, 1e-7f); // a zero row stays zero (epsilon)
        }
        GantryException badEpsilon = assertThrows(GantryException.class, () -> backend.load(context(config("norm",
                "l2_normalize", Map.of("epsilon", "-1")))));
        assertTrue(badEpsilon.getMessage().contains("parameter 'epsilon' must be a positive number, not '-1'"));
    }

    @Test
    void declaredTensorsMustBeTheProcessors() {
        ProcessorBackend backend = new ProcessorBackend(new L2Normalize());
        ModelConfig wrongName = new ModelConfig("norm", "", "l2_normalize", 0,
                List.of(new TensorConfig("VECTORS", DataType.FP32, List.of(-1L, -1L))), List.of(), null, null, null,
                null);
        assertTrue(assertThrows(GantryException.class, () -> backend.complete(context(wrongName))).getMessage()
                .contains("processor 'l2_normalize' has no input 'VECTORS' (its inputs: [INPUT])"));
        ModelConfig wrongType = new ModelConfig("norm", "", "l2_normalize", 0,
                List.of(new TensorConfig("INPUT", DataType.FP64, List.of(-1L, -1L))), List.of(), null, null, null,
                null);
        assertTrue(assertThrows(GantryException.class, () -> backend.complete(context(wrongType))).getMessage()
                .contains("input 'INPUT' of processor 'l2_normalize' is FP32, not FP64"));
    }
}
