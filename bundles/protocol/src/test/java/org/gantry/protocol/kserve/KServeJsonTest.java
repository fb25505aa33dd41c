package org.gantry.protocol.kserve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** KServe v2 JSON read into tensors and written back, with the protocol's rules and messages. */
class KServeJsonTest {

    private static InferenceRequest read(String json) {
        return RequestReader.readRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static String rejection(String json) {
        GantryException error = assertThrows(GantryException.class, () -> read(json));
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        return error.getMessage();
    }

    private static String input(String datatype, String shape, String data) {
        return "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":" + data
                + "}]}";
    }

    @Test
    void readsNestedAndFlatDataIntoLittleEndianBuffers() {
        InferenceRequest nested = read("{\"id\":\"r7\",\"parameters\":{\"priority\":2,\"timeout\":100,\"flag\":true},"
                + "\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1,2.5],[3,4]]}],"
                + "\"outputs\":[{\"name\":\"y\"}]}");
        assertEquals("r7", nested.id());
        assertEquals(2, ((Number) nested.parameters().get("priority")).intValue());
        assertEquals(Boolean.TRUE, nested.parameters().get("flag"));
        assertEquals("y", nested.outputs().get(0).name());
        ByteBuffer data = nested.inputs().get(0).data();
        assertEquals(ByteOrder.LITTLE_ENDIAN, data.order());
        assertEquals(2.5f, data.getFloat(4));
        InferenceRequest flat = read(input("FP32", "[2,2]", "[1,2.5,3,4]"));
        assertEquals(nested.inputs().get(0).data(), flat.inputs().get(0).data());
    }

    @Test
    void dataBeforeTheHeaderIsAccepted() {
        InferenceRequest request = read(
                "{\"inputs\":[{\"data\":[1,2,3],\"name\":\"x\",\"shape\":[3],\"datatype\":\"INT64\"}]}");
        assertEquals(3L, request.inputs().get(0).data().getLong(16));
    }

    @Test
    void everyDatatypeRoundTrips() throws IOException {
        String[][] cases = {
                { "BOOL", "[true,false]" }, { "UINT8", "[0,255]" }, { "UINT16", "[0,65535]" },
                { "UINT32", "[0,4294967295]" }, { "UINT64", "[0,18446744073709551615]" }, { "INT8", "[-128,127]" },
                { "INT16", "[-32768,32767]" }, { "INT32", "[-2147483648,2147483647]" },
                { "INT64", "[-9223372036854775808,9223372036854775807]" }, { "FP16", "[1.5,-2.0]" },
                { "BF16", "[1.5,-2.0]" }, { "FP32", "[1.5,-2.0]" }, { "FP64", "[1.5,-2.0]" },
                { "BYTES", "[\"hello\",\"wörld\"]" } };
        for (String[] c : cases) {
            Tensor tensor = read(input(c[0], "[2]", c[1])).inputs().get(0);
            assertEquals(DataType.valueOf(c[0]), tensor.dataType());
            String json = write(new InferenceResponse("m", "1", null, Map.of(), List.of(tensor)));
            assertTrue(json.contains("\"data\":" + c[1]), c[0] + " gave " + json);
        }
    }

    @Test
    void bytesElementsAreLengthPrefixed() {
        Tensor tensor = read(input("BYTES", "[2]", "[\"ab\",\"\"]")).inputs().get(0);
        assertEquals(List.of("ab", ""), tensor.bytesElementsAsStrings());
        assertEquals(4 + 2 + 4, tensor.byteSize());
    }

    @Test
    void responseEchoesIdAndVersion() throws IOException {
        Tensor y = Tensor.of("y", DataType.FP32, new long[] { 1, 2 },
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(8).putFloat(2).flip());
        String json = write(new InferenceResponse("simple", "1", "abc", Map.of(), List.of(y)));
        assertEquals("{\"model_name\":\"simple\",\"model_version\":\"1\",\"id\":\"abc\",\"outputs\":[{\"name\":\"y\","
                + "\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[8.0,2.0]}]}", json);
    }

    @ParameterizedTest
    @ValueSource(strings = { "{", "[]", "{\"inputs\":5}", "{\"inputs\":[{\"name\":\"x\"}]}", "not json",
            "{\"inputs\":[]} trailing" })
    void malformedRequestsAreInvalid(String json) {
        rejection(json);
    }

    @Test
    void aNumberBeyondItsFloatingPointTypeIsRefusedNotTurnedIntoInfinity() {
        ByteBuffer largest = read(input("FP16", "[2]", "[65504, 65519]")).inputs().get(0).data();
        assertEquals((short) 0x7bff, largest.getShort(0)); // 65504, the largest half
        assertEquals((short) 0x7bff, largest.getShort(2)); // rounds down to it
        assertTrue(rejection(input("FP16", "[1]", "[70000]")).contains("beyond the range of FP16"));
        assertTrue(rejection(input("FP16", "[1]", "[-65520]")).contains("beyond the range of FP16"));
        assertTrue(rejection(input("BF16", "[1]", "[3.4e38]")).contains("beyond the range of BF16"));
        assertTrue(rejection(input("FP32", "[1]", "[1e39]")).contains("beyond the range of FP32"));
        assertEquals(1e300, read(input("FP64", "[1]", "[1e300]")).inputs().get(0).data().getDouble(0));
    }

    @Test
    void aFileUploadLargerThanJacksonsDefaultStringLimitIsRead() {
        String base64 = "A".repeat(24 << 20); // 18 MiB of file in 24 M characters: past Jackson's 20 M default
        String body = "{\"parameters\":{\"file:1/model.pt\":\"" + base64 + "\"}}";
        JsonNode read = RequestReader.readTree(new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(base64.length(), read.get("parameters").get("file:1/model.pt").textValue().length());
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        assertTrue(rejection("{\"inputs\":[{\"name\":\"x\",\"name\":\"y\",\"shape\":[1],\"datatype\":\"FP32\","
                + "\"data\":[1]}]}").contains("Duplicate field 'name'"));
        assertTrue(rejection("{\"id\":\"a\",\"id\":\"b\",\"inputs\":[]}").contains("Duplicate field 'id'"));
    }

    @ParameterizedTest(name = "{0} {1} {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            FP32  | [3]                                       | [1,2]   | has 2 data elements but its shape [3] needs 3
            FP32  | [1]                                       | [1,2]   | more data elements than its shape allows
            INT8  | [1]                                       | [300]   | not a valid INT8
            UINT8 | [1]                                       | [-1]    | not a valid UINT8
            INT32 | [1]                                       | [1.5]   | not a valid INT32
            FP32  | [1]                                       | ["a"]   | not a valid FP32
            BOOL  | [1]                                       | [1]     | not a valid BOOL
            FP33  | [1]                                       | [1]     | unknown datatype 'FP33'
            FP32  | [-1]                                      | [1]     | negative
            FP32  | [2147483648,4]                            | [1]     | too large
            FP32  | [9223372036854775807,9223372036854775807] | [1]     | too large
            FP32  | [1.5]                                     | [1]     | must hold integers
            """)
    void mismatchedDataIsExplained(String datatype, String shape, String data, String reason) {
        String message = rejection(input(datatype, shape, data));
        assertTrue(message.contains(reason), message);
    }

    @Test
    void anIdThatIsNotAStringIsRefused() {
        assertTrue(rejection("{\"id\":5,\"inputs\":[]}").contains("'id' must be a string"));
    }

    @Test
    void syntaxErrorsGiveTheirPosition() {
        String message = rejection("{\"inputs\": [\n  {\"name\": }]}");
        assertTrue(message.startsWith("malformed JSON at line 2, column 12"), message);
        assertTrue(!message.contains("REDACTED"), message);
    }

    @Test
    void anAbsurdShapeWithLittleDataAllocatesLittle() {
        // 256 Mi elements of FP32 would be 1 GiB: rejected by the element count, never allocated.
        assertTrue(rejection(input("FP32", "[268435456]", "[1,2,3]")).contains("needs 268435456"));
    }

    @Test
    void anEmptyRequestIdIsNotEchoedAndAnyOtherIs() throws IOException {
        Tensor output = read(input("FP32", "[1]", "[1]")).inputs().get(0);

        String withoutId = write(new InferenceResponse("m", "1", "", Map.of(), List.of(output)));
        String withId = write(new InferenceResponse("m", "1", "r7", Map.of(), List.of(output)));

        assertFalse(withoutId.contains("\"id\""), withoutId);
        assertTrue(withId.contains("\"id\":\"r7\""), withId);
        ByteArrayOutputStream generated = new ByteArrayOutputStream();
        ResponseWriter.writeGenerateResponse(new InferenceResponse("m", "1", "", Map.of(), List.of(output)), generated);
        assertFalse(generated.toString(StandardCharsets.UTF_8).contains("\"id\""), generated.toString());
    }

    @Test
    void theConsolesStringFormReadsAndWritesWhatTheStreamsDo() {
        InferenceRequest request = KServeJson.readRequest(input("INT32", "[2]", "[1,2]"));
        String written = KServeJson.writeResponse(new InferenceResponse("m", "1", "r", Map.of(), request.inputs()));

        assertEquals("{\"model_name\":\"m\",\"model_version\":\"1\",\"id\":\"r\",\"outputs\":[{\"name\":\"x\","
                + "\"datatype\":\"INT32\",\"shape\":[2],\"data\":[1,2]}]}", written);
        assertEquals("'inputs' must be an array", assertThrows(GantryException.class,
                () -> KServeJson.readRequest("{\"inputs\":5}")).getMessage());
    }

    private static String write(InferenceResponse response) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResponseWriter.writeResponse(response, out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
