package org.gantry.backend.torchscript.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;

/** The example models' test cases (expected.json) as requests and assertions, shared by both engines' tests. */
final class ExampleCases {

    private ExampleCases() {
    }

    static InferenceRequest request(JsonNode inputs) {
        List<Tensor> tensors = new ArrayList<>();
        for (JsonNode input : inputs) {
            long[] shape = longs(input.get("shape"));
            DataType type = DataType.valueOf(input.get("datatype").asText());
            ByteBuffer data = ByteBuffer.allocate(input.get("data").size() * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode value : input.get("data")) {
                if (type == DataType.INT64) {
                    data.putLong(value.asLong());
                } else {
                    data.putFloat((float) value.asDouble());
                }
            }
            tensors.add(Tensor.of(input.get("name").asText(), type, shape, data.flip()));
        }
        return InferenceRequest.of(tensors);
    }

    static void assertOutputs(JsonNode expected, List<Tensor> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            Tensor got = actual.get(i);
            assertEquals(want.get("name").asText(), got.name());
            assertArrayEquals(longs(want.get("shape")), got.shape());
            ByteBuffer data = got.data();
            for (JsonNode value : want.get("data")) {
                if (got.dataType() == DataType.INT64) {
                    assertEquals(value.asLong(), data.getLong());
                } else {
                    assertEquals(value.asDouble(), data.getFloat(), 1e-5);
                }
            }
        }
    }

    static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    static Tensor fp32(String name, long[] shape, float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return Tensor.of(name, DataType.FP32, shape, buffer.flip());
    }

    static float[] floats(Tensor tensor) {
        ByteBuffer data = tensor.data();
        float[] values = new float[data.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.getFloat();
        }
        return values;
    }
}
