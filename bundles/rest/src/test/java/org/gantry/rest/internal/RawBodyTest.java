package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.protocol.kserve.BinaryExtension;
import org.junit.jupiter.api.Test;

/** Triton's raw binary request ({@code Inference-Header-Content-Length: 0}), without a server. */
class RawBodyTest {

    private static InputStream body(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    private static ModelConfig rawModel(int maxBatchSize, DataType type, Long... dims) {
        return new ModelConfig("m", "p", "", maxBatchSize, List.of(new TensorConfig("x", type, List.of(dims))),
                List.of(new TensorConfig("y", DataType.FP32, List.of(-1L))), null, null, null, null);
    }

    @Test
    void aRawBodyIsTheOnlyInputForABatchOfOneShapedByItsDims() {
        InferenceRequest batched = InferenceHttp.readRaw(rawModel(8, DataType.FP32, 3L), body(new byte[12]), 1000);
        InferenceRequest variable = InferenceHttp.readRaw(rawModel(0, DataType.FP32, 2L, -1L), body(new byte[24]),
                1000);

        assertArrayEquals(new long[] { 1, 3 }, batched.inputs().get(0).shape());
        assertArrayEquals(new long[] { 2, 3 }, variable.inputs().get(0).shape());
        GantryException twoRows = assertThrows(GantryException.class,
                () -> InferenceHttp.readRaw(rawModel(8, DataType.FP32, 3L), body(new byte[24]), 1000));
        assertTrue(twoRows.getMessage().contains("a batch of one"), twoRows.getMessage());
        assertThrows(GantryException.class,
                () -> InferenceHttp.readRaw(rawModel(0, DataType.FP32, -1L, -1L), body(new byte[24]), 1000));
        ModelConfig twoInputs = new ModelConfig("m", "p", "", 0, List.of(new TensorConfig("x", DataType.FP32,
                List.of(3L)), new TensorConfig("z", DataType.FP32, List.of(3L))), List.of(), null, null, null, null);
        assertThrows(GantryException.class, () -> InferenceHttp.readRaw(twoInputs, body(new byte[12]), 1000));
    }

    @Test
    void aRawBytesBodyIsTheOneElementAsItIs() {
        byte[] jpeg = { (byte) 0xff, (byte) 0xd8, 0, 'J', 'F', 'I', 'F' };

        Tensor image = InferenceHttp.readRaw(rawModel(4, DataType.BYTES, 1L), body(jpeg), 1000).inputs().get(0);

        assertArrayEquals(new long[] { 1, 1 }, image.shape());
        ByteBuffer element = image.bytesElements().get(0);
        byte[] bytes = new byte[element.remaining()];
        element.get(bytes);
        assertArrayEquals(jpeg, bytes);
        assertThrows(GantryException.class,
                () -> InferenceHttp.readRaw(rawModel(0, DataType.BYTES, 2L), body(jpeg), 1000));
    }

    @Test
    void everyOutputOfARawRequestIsAnsweredInBinary() {
        InferenceRequest raw = InferenceHttp.readRaw(rawModel(8, DataType.FP32, 3L), body(new byte[12]), 1000);
        Tensor y = Tensor.of("y", DataType.FP32, new long[] { 1, 1 }, ByteBuffer.allocate(4));
        Tensor label = Tensor.ofBytes("label", new long[] { 1 }, List.of(new byte[] { 'a' }));

        assertEquals(Set.of("y", "label"), BinaryExtension.binaryOutputs(raw, List.of(y, label)));
    }
}
