package org.gantry.test.support;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/** Tensors built from values and read back to values, in the API's little-endian layout. */
public final class TestTensors {

    private TestTensors() {
    }

    /** An FP32 tensor holding {@code values} in row-major order. */
    public static Tensor fp32(String name, long[] shape, float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return Tensor.of(name, DataType.FP32, shape, buffer.flip());
    }

    /** An INT64 tensor holding {@code values} in row-major order. */
    public static Tensor int64(String name, long[] shape, long... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            buffer.putLong(value);
        }
        return Tensor.of(name, DataType.INT64, shape, buffer.flip());
    }

    /** A BYTES tensor of one dimension holding each text as UTF-8. */
    public static Tensor texts(String name, String... texts) {
        List<byte[]> elements = new ArrayList<>();
        for (String text : texts) {
            elements.add(text.getBytes(StandardCharsets.UTF_8));
        }
        return Tensor.ofBytes(name, new long[] { texts.length }, elements);
    }

    /** The values of an FP32 tensor; the tensor's own buffer is not moved. */
    public static float[] floats(Tensor tensor) {
        float[] values = new float[tensor.data().remaining() / Float.BYTES];
        tensor.data().asFloatBuffer().get(values);
        return values;
    }

    /** The values of an INT64 tensor; the tensor's own buffer is not moved. */
    public static long[] longs(Tensor tensor) {
        long[] values = new long[tensor.data().remaining() / Long.BYTES];
        tensor.data().asLongBuffer().get(values);
        return values;
    }
}
