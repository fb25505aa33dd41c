package org.gantry.test.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The example models' test cases ({@code expected.json}, written by {@code scripts/fixtures/}: per version, cases of
 * {@code inputs} and the {@code outputs} torch gave) as requests and assertions. FP32 and INT64 tensors only.
 */
public final class ExampleCases {

    private ExampleCases() {
    }

    /** The case's inputs as one request. */
    public static InferenceRequest request(JsonNode inputs) {
        List<Tensor> tensors = new ArrayList<>();
        for (JsonNode input : inputs) {
            tensors.add(Tensor.of(input.get("name").asText(), DataType.valueOf(input.get("datatype").asText()),
                    shape(input), data(input)));
        }
        return InferenceRequest.of(tensors);
    }

    /** A tensor's {@code shape}. */
    public static long[] shape(JsonNode tensor) {
        return StreamSupport.stream(tensor.get("shape").spliterator(), false).mapToLong(JsonNode::asLong).toArray();
    }

    /** A tensor's {@code data} in its {@code datatype}, little-endian, ready to read. */
    public static ByteBuffer data(JsonNode tensor) {
        DataType type = DataType.valueOf(tensor.get("datatype").asText());
        ByteBuffer data = ByteBuffer.allocate(tensor.get("data").size() * type.byteSize())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode value : tensor.get("data")) {
            if (type == DataType.INT64) {
                data.putLong(value.asLong());
            } else {
                data.putFloat((float) value.asDouble());
            }
        }
        return data.flip();
    }

    /** Outputs equal the expected ones by name, shape and value (FP32 within 1e-5), in order. */
    public static void assertOutputs(JsonNode expected, List<Tensor> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            Tensor got = actual.get(i);
            assertEquals(want.get("name").asText(), got.name());
            assertValues(want, got.dataType() == DataType.INT64, got.shape(), got.data());
        }
    }

    /** One output's shape and every value, and nothing more, equal the expected ones. */
    public static void assertValues(JsonNode want, boolean int64, long[] shape, ByteBuffer data) {
        assertArrayEquals(shape(want), shape, want.get("name").asText());
        for (JsonNode value : want.get("data")) {
            if (int64) {
                assertEquals(value.asLong(), data.getLong());
            } else {
                assertEquals(value.asDouble(), data.getFloat(), 1e-5);
            }
        }
        assertFalse(data.hasRemaining(), want.get("name").asText() + ": more values than expected");
    }
}
