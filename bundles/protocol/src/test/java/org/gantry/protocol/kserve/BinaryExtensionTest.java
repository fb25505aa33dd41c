package org.gantry.protocol.kserve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Triton's binary tensor data extension and the request limits, without a server. */
class BinaryExtensionTest {

    /** Triton's example header: two UINT32 [2,2] inputs of 16 bytes each. */
    private static final String HEADER = "{\"inputs\":[{\"name\":\"input0\",\"shape\":[2,2],\"datatype\":\"UINT32\","
            + "\"parameters\":{\"binary_data_size\":16}},{\"name\":\"input1\",\"shape\":[3],\"datatype\":\"BYTES\","
            + "\"parameters\":{\"binary_data_size\":%d}}],\"outputs\":[{\"name\":\"output0\",\"parameters\":"
            + "{\"binary_data\":true}}]}";

    private static byte[] littleEndianInts(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            buffer.putInt(value);
        }
        return buffer.array();
    }

    private static byte[] bytesElements(String... elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String element : elements) {
            byte[] bytes = element.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(littleEndianInts(bytes.length));
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** A body that, like a servlet's, cannot be read once closed. */
    private static InputStream body(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return new java.io.FilterInputStream(new ByteArrayInputStream(out.toByteArray())) {
            private boolean closed;

            @Override
            public int read() throws IOException {
                checkOpen();
                return super.read();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                checkOpen();
                return super.read(buffer, offset, length);
            }

            private void checkOpen() throws IOException {
                if (closed) {
                    throw new IOException("Stream closed");
                }
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Test
    void readsBinaryInputsAfterTheJsonHeaderInHeaderOrder() {
        byte[] strings = bytesElements("a", "", "héllo");
        byte[] header = String.format(HEADER, strings.length).getBytes(StandardCharsets.UTF_8);

        InferenceRequest request = RequestReader.readRequest(body(header, littleEndianInts(1, 2, 3, 4), strings),
                header.length, 1000);

        Tensor ints = request.input("input0");
        assertEquals(DataType.UINT32, ints.dataType());
        assertEquals(3, ints.data().getInt(8));
        assertEquals(List.of("a", "", "héllo"), request.input("input1").bytesElementsAsStrings());
        assertEquals(Boolean.TRUE, request.outputs().get(0).parameters().get("binary_data"));
    }

    @Test
    void inconsistentBinarySectionsAreRejected() {
        byte[] strings = bytesElements("a", "b", "c");
        byte[] header = String.format(HEADER, strings.length).getBytes(StandardCharsets.UTF_8);
        byte[] ints = littleEndianInts(1, 2, 3, 4);
        byte[] shortInts = littleEndianInts(1, 2, 3);
        byte[] twoStrings = bytesElements("a", "b");
        List<Runnable> bad = List.of(
                () -> RequestReader.readRequest(body(header, ints), header.length, 1000), // body ends early
                () -> RequestReader.readRequest(body(header, ints, strings, new byte[1]), header.length, 1000),
                () -> RequestReader.readRequest(body(header, shortInts, strings), header.length, 1000),
                () -> RequestReader.readRequest(body(header, ints, strings), header.length + 5, 1000),
                () -> RequestReader.readRequest(body(header, ints, strings), -1, 1000), // no header length
                () -> {
                    byte[] h = String.format(HEADER, twoStrings.length).getBytes(StandardCharsets.UTF_8);
                    RequestReader.readRequest(body(h, ints, twoStrings), h.length, 1000); // 2 elements for [3]
                },
                () -> {
                    byte[] h = String.format(HEADER, 16).replace("\"binary_data_size\":16", "\"binary_data_size\":15")
                            .getBytes(StandardCharsets.UTF_8);
                    RequestReader.readRequest(body(h, ints, strings), h.length, 1000);
                });
        for (Runnable request : bad) {
            GantryException e = assertThrows(GantryException.class, request::run);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        }
    }

    @Test
    void tensorsAboveTheElementLimitAreRejectedBeforeTheirDataIsRead() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1000,1000],\"datatype\":\"FP32\",\"data\":[1]}]}";
        GantryException e = assertThrows(GantryException.class, () -> RequestReader.readRequest(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), -1, 999_999));
        assertTrue(e.getMessage().contains("at most 999999"), e.getMessage());
    }

    @Test
    void writesBinaryOutputsAfterTheJsonWithTheirSizes() throws IOException {
        Tensor scores = Tensor.of("scores", DataType.FP16, new long[] { 2 },
                ByteBuffer.wrap(new byte[] { 0, 0x3c, 0, (byte) 0xc0 }).order(ByteOrder.LITTLE_ENDIAN));
        Tensor labels = Tensor.ofBytes("labels", new long[] { 1 }, List.of("cat".getBytes(StandardCharsets.UTF_8)));
        InferenceResponse response = new InferenceResponse("m", "1", "r", Map.of(), List.of(scores, labels));
        InferenceRequest request = new InferenceRequest(null, Map.of("binary_data_output", true), List.of(),
                List.of(new RequestedOutput("labels", Map.of("binary_data", false))));

        Set<String> binary = BinaryExtension.binaryOutputs(request, response.outputs());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResponseWriter.writeResponse(response, out, binary);
        int headerLength = out.size();
        BinaryExtension.writeBinaryData(response, binary, out);

        assertEquals(Set.of("scores"), binary);
        String header = new String(out.toByteArray(), 0, headerLength, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"name\":\"scores\",\"datatype\":\"FP16\",\"shape\":[2],\"parameters\":"
                + "{\"binary_data_size\":4}}"), header);
        assertTrue(header.contains("\"data\":[\"cat\"]"), header);
        byte[] raw = java.util.Arrays.copyOfRange(out.toByteArray(), headerLength, out.size());
        assertArrayEquals(new byte[] { 0, 0x3c, 0, (byte) 0xc0 }, raw); // 1.0 and -2.0 as IEEE halves
        assertThrows(GantryException.class, () -> BinaryExtension.binaryOutputs(
                new InferenceRequest(null, Map.of("binary_data_output", "yes"), List.of(), List.of()), List.of()));
    }
}
