package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static final ModelConfig BATCHED = new ModelConfig("m", "p", "", 4,
            List.of(new TensorConfig("a", DataType.FP32, List.of(3L)),
                    new TensorConfig("b", DataType.FP32, List.of(2L, 2L), List.of(4L), false)),
            List.of(new TensorConfig("y", DataType.FP32, List.of(2L))), null, null, null, null);

    private static InferenceRequest request(Tensor... inputs) {
        return new InferenceRequest(null, Map.of(), List.of(inputs), List.of());
    }

    private static String rejection(ModelConfig config, InferenceRequest request) {
        GantryException error = assertThrows(GantryException.class, () -> RequestValidator.validate(config, request));
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        return error.getMessage();
    }

    @Test
    void acceptsBatchedInputsOrdersThemAndAppliesReshape() {
        Tensor b = fp32("b", new long[] { 2, 2, 2 }, 1, 2, 3, 4, 5, 6, 7, 8);
        Tensor a = fp32("a", new long[] { 2, 3 }, 1, 2, 3, 4, 5, 6);
        InferenceRequest valid = RequestValidator.validate(BATCHED, request(b, a));
        assertEquals("a", valid.inputs().get(0).name());
        assertArrayEquals(new long[] { 2, 4 }, valid.inputs().get(1).shape());
    }

    @Test
    void rejectsWhatDoesNotFitTheConfiguration() {
        Tensor a = fp32("a", new long[] { 1, 3 }, 1, 2, 3);
        Tensor b = fp32("b", new long[] { 1, 2, 2 }, 1, 2, 3, 4);
        assertTrue(rejection(BATCHED, request(a)).contains("needs input 'b'"));
        assertTrue(rejection(BATCHED, request(a, b, fp32("c", new long[] { 1 }, 1))).contains("no input named 'c'"));
        assertTrue(rejection(BATCHED, request(a, a, b)).contains("more than once"));
        assertTrue(
                rejection(BATCHED, request(fp32("a", new long[] { 1, 4 }, 1, 2, 3, 4), b)).contains("expects [-1, 3]"));
        assertTrue(rejection(BATCHED, request(fp32("a", new long[] { 3 }, 1, 2, 3), b)).contains("has shape [3]"));
        assertTrue(rejection(BATCHED, request(fp32("a", new long[] { 5, 3 }, new float[15]), b))
                .contains("max_batch_size"));
        assertTrue(rejection(BATCHED, request(fp32("a", new long[] { 2, 3 }, new float[6]), b)).contains("batch size"));
        Tensor ints = Tensor.of("a", DataType.INT32, new long[] { 1, 3 }, ByteBuffer.allocate(12));
        assertTrue(rejection(BATCHED, request(ints, b)).contains("must be FP32, not INT32"));
        InferenceRequest unknownOutput = new InferenceRequest(null, Map.of(), List.of(a, b),
                List.of(RequestedOutput.named("z")));
        assertTrue(rejection(BATCHED, unknownOutput).contains("no output named 'z'"));
    }
}
