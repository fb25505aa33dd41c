package org.gantry.grpc.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.grpc.proto.GrpcService.InferParameter;
import org.gantry.grpc.proto.GrpcService.InferTensorContents;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse.InferOutputTensor;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

class InferMessagesTest {

    private static final long NO_LIMIT = Long.MAX_VALUE;

    private static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder input = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long dim : shape) {
            input.addShape(dim);
        }
        return input;
    }

    private static ByteString littleEndianFloats(float... values) {
        return ByteString.copyFrom(fp32("raw", new long[] { values.length }, values).data());
    }

    private static GantryException invalid(ModelInferRequest request) {
        GantryException failure = assertThrows(GantryException.class, () -> InferMessages.request(request, NO_LIMIT));
        assertEquals(ErrorKind.INVALID_ARGUMENT, failure.kind(), failure.getMessage());
        return failure;
    }

    @Test
    void rawInputContentsAreTheTensorsBytesInInputOrder() {
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName("m").setId("r1")
                .addInputs(input("A", "FP32", 1, 3)).addInputs(input("B", "BYTES", 2))
                .addRawInputContents(littleEndianFloats(1, 2, 3))
                .addRawInputContents(ByteString.copyFrom(new byte[] { 2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0 }))
                .build();
        InferenceRequest translated = InferMessages.request(request, NO_LIMIT);
        assertEquals("r1", translated.id());
        assertArrayEquals(new float[] { 1, 2, 3 }, floats(translated.input("A")));
        assertArrayEquals(new long[] { 1, 3 }, translated.input("A").shape());
        assertEquals(List.of("hi", ""), translated.input("B").bytesElementsAsStrings());
    }

    @Test
    void typedContentsOfEveryDatatypeBecomeLittleEndianTensors() {
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input("f", "FP32", 2).setContents(InferTensorContents.newBuilder()
                        .addFp32Contents(1.5f).addFp32Contents(-2)))
                .addInputs(input("i8", "INT8", 2).setContents(InferTensorContents.newBuilder()
                        .addIntContents(-128).addIntContents(127)))
                .addInputs(input("u16", "UINT16", 1).setContents(InferTensorContents.newBuilder()
                        .addUintContents(65535)))
                .addInputs(input("i64", "INT64", 1).setContents(InferTensorContents.newBuilder()
                        .addInt64Contents(-5)))
                .addInputs(input("b", "BOOL", 2).setContents(InferTensorContents.newBuilder()
                        .addBoolContents(true).addBoolContents(false)))
                .addInputs(input("d", "FP64", 1).setContents(InferTensorContents.newBuilder()
                        .addFp64Contents(0.25)))
                .addInputs(input("s", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("héllo"))))
                .build();
        InferenceRequest translated = InferMessages.request(request, NO_LIMIT);
        assertArrayEquals(new float[] { 1.5f, -2 }, floats(translated.input("f")));
        ByteBuffer int8 = translated.input("i8").data();
        assertEquals(-128, int8.get());
        assertEquals(127, int8.get());
        assertEquals((short) 0xffff, translated.input("u16").data().getShort());
        assertEquals(-5, translated.input("i64").data().getLong());
        assertEquals(1, translated.input("b").data().get(0));
        assertEquals(0, translated.input("b").data().get(1));
        assertEquals(0.25, translated.input("d").data().getDouble());
        assertEquals(List.of("héllo"), translated.input("s").bytesElementsAsStrings());
    }

    @Test
    void typedContentsMustFitTheShapeAndTheDatatype() {
        assertTrue(invalid(ModelInferRequest.newBuilder().addInputs(input("x", "FP32", 3).setContents(
                InferTensorContents.newBuilder().addFp32Contents(1))).build()).getMessage().contains("holds 3"));
        assertTrue(invalid(ModelInferRequest.newBuilder().addInputs(input("x", "INT8", 1).setContents(
                InferTensorContents.newBuilder().addIntContents(128))).build()).getMessage().contains("INT8"));
        invalid(ModelInferRequest.newBuilder().addInputs(input("x", "UINT8", 1).setContents(
                InferTensorContents.newBuilder().addUintContents(256))).build());
        // Values in the field of another datatype are not this input's data.
        invalid(ModelInferRequest.newBuilder().addInputs(input("x", "INT64", 1).setContents(
                InferTensorContents.newBuilder().addIntContents(1))).build());
        assertTrue(invalid(ModelInferRequest.newBuilder().addInputs(input("x", "FP16", 1).setContents(
                InferTensorContents.newBuilder().addFp32Contents(1))).build()).getMessage()
                .contains("raw_input_contents"));
        assertTrue(invalid(ModelInferRequest.newBuilder().addInputs(input("x", "FP32", 1)).build()).getMessage()
                .contains("set contents or raw_input_contents"));
    }

    @Test
    void rawContentsMustGiveOneEntryPerInputOfTheRightSizeAndNoTypedContents() {
        invalid(ModelInferRequest.newBuilder().addInputs(input("a", "FP32", 1)).addInputs(input("b", "FP32", 1))
                .addRawInputContents(littleEndianFloats(1)).build());
        invalid(ModelInferRequest.newBuilder().addInputs(input("a", "FP32", 2))
                .addRawInputContents(littleEndianFloats(1)).build());
        invalid(ModelInferRequest.newBuilder()
                .addInputs(input("a", "FP32", 1).setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                .addRawInputContents(littleEndianFloats(1)).build());
        invalid(ModelInferRequest.newBuilder().addInputs(input("s", "BYTES", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[] { 9, 0, 0, 0, 'x' })).build());
    }

    @Test
    void theTensorElementLimitOfTheHttpApiHolds() {
        ModelInferRequest request = ModelInferRequest.newBuilder().addInputs(input("a", "FP32", 2, 3))
                .addRawInputContents(littleEndianFloats(1, 2, 3, 4, 5, 6)).build();
        assertEquals(6, InferMessages.request(request, 6).input("a").elementCount());
        GantryException failure = assertThrows(GantryException.class, () -> InferMessages.request(request, 5));
        assertTrue(failure.getMessage().contains("at most 5"), failure.getMessage());
    }

    @Test
    void unknownDatatypesAndSharedMemoryAreRefused() {
        invalid(ModelInferRequest.newBuilder().addInputs(input("a", "FP8", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[1])).build());
        assertTrue(invalid(ModelInferRequest.newBuilder().addInputs(input("a", "FP32", 1).putParameters(
                "shared_memory_region", InferParameter.newBuilder().setStringParam("r").build()))
                .build()).getMessage().contains("shared memory"));
    }

    @Test
    void parametersKeepTheirTypesBothWays() {
        Map<String, Object> parameters = InferMessages.parameters(Map.of(
                "flag", InferParameter.newBuilder().setBoolParam(true).build(),
                "count", InferParameter.newBuilder().setInt64Param(-3).build(),
                "name", InferParameter.newBuilder().setStringParam("x").build(),
                "ratio", InferParameter.newBuilder().setDoubleParam(0.5).build(),
                "huge", InferParameter.newBuilder().setUint64Param(-1L).build()));
        assertEquals(Map.of("flag", true, "count", -3L, "name", "x", "ratio", 0.5,
                "huge", new BigInteger("18446744073709551615")), parameters);
        assertEquals(-1L, InferMessages.protocolParameter(new BigInteger("18446744073709551615")).getUint64Param());
        assertEquals(7, InferMessages.protocolParameter(7).getInt64Param());
        assertEquals(true, InferMessages.protocolParameter(Boolean.TRUE).getBoolParam());
        assertEquals(0.5, InferMessages.protocolParameter(0.5f).getDoubleParam());
        assertEquals("x", InferMessages.protocolParameter("x").getStringParam());
        assertThrows(GantryException.class,
                () -> InferMessages.parameters(Map.of("empty", InferParameter.getDefaultInstance())));
    }

    @Test
    void responsesCarryEveryOutputAsRawContentsWithItsIdentity() {
        Tensor scores = Tensor.of("OUTPUT__0", DataType.FP32, new long[] { 1, 2 },
                littleEndianFloats(8, 2).asReadOnlyByteBuffer());
        ModelInferResponse response = InferMessages.response(new InferenceResponse("m", "1", "r1",
                Map.of("triton_final_response", true), List.of(scores)));
        ModelInferResponse expected = ModelInferResponse.newBuilder().setModelName("m").setModelVersion("1").setId("r1")
                .addOutputs(InferOutputTensor.newBuilder().setName("OUTPUT__0").setDatatype("FP32").addShape(1)
                        .addShape(2))
                .addRawOutputContents(littleEndianFloats(8, 2))
                .putParameters("triton_final_response", InferParameter.newBuilder().setBoolParam(true).build()).build();
        assertEquals(expected, response);
        assertNull(InferMessages.request(ModelInferRequest.getDefaultInstance(), NO_LIMIT).id());
    }
}
