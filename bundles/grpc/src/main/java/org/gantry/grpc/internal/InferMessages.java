package org.gantry.grpc.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.grpc.proto.GrpcService.InferParameter;
import org.gantry.grpc.proto.GrpcService.InferTensorContents;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest;
import org.gantry.grpc.proto.GrpcService.ModelInferRequest.InferInputTensor;
import org.gantry.grpc.proto.GrpcService.ModelInferResponse;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * Inference requests and responses between KServe v2's protobuf messages and Gantry's. Inputs arrive as
 * {@code raw_input_contents} (little-endian, BYTES elements each behind a 4-byte length: Gantry's own tensor
 * layout, so the bytes are used as they are) or as typed {@code contents}; outputs always leave as
 * {@code raw_output_contents}, as Triton sends them.
 */
final class InferMessages {

    /** The parameter of shared-memory inputs and outputs, which Gantry does not offer over the network. */
    private static final String SHARED_MEMORY_REGION = "shared_memory_region";

    private InferMessages() {
    }

    static InferenceRequest request(ModelInferRequest message, long maxElements) {
        int rawCount = message.getRawInputContentsCount();
        if (rawCount > 0 && rawCount != message.getInputsCount()) {
            throw GantryException.invalidArgument("raw_input_contents holds %d entries for %d inputs: give one per"
                    + " input, in the order of inputs", rawCount, message.getInputsCount());
        }
        List<Tensor> inputs = new ArrayList<>(message.getInputsCount());
        for (int i = 0; i < message.getInputsCount(); i++) {
            InferInputTensor input = message.getInputs(i);
            refuseSharedMemory(input.getParametersMap(), "input '" + input.getName() + "'");
            DataType type = DataType.fromProtocolName(input.getDatatype());
            long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
            checkElements(input.getName(), shape, maxElements);
            if (rawCount > 0) {
                if (input.hasContents()) {
                    throw GantryException.invalidArgument("input '%s' sets contents while the request carries"
                            + " raw_input_contents: use one or the other for all inputs", input.getName());
                }
                inputs.add(Tensor.of(input.getName(), type, shape,
                        message.getRawInputContents(i).asReadOnlyByteBuffer()));
            } else {
                inputs.add(Tensor.of(input.getName(), type, shape, TypedContents.read(input.getName(), type,
                        Tensor.elementCount(input.getName(), shape), input.getContents())));
            }
        }
        List<RequestedOutput> outputs = new ArrayList<>(message.getOutputsCount());
        for (ModelInferRequest.InferRequestedOutputTensor output : message.getOutputsList()) {
            refuseSharedMemory(output.getParametersMap(), "output '" + output.getName() + "'");
            outputs.add(new RequestedOutput(output.getName(), parameters(output.getParametersMap())));
        }
        return new InferenceRequest(message.getId().isEmpty() ? null : message.getId(),
                parameters(message.getParametersMap()), inputs, outputs);
    }

    /** The answer with every output's data in {@code raw_output_contents}. */
    static ModelInferResponse response(InferenceResponse response) {
        ModelInferResponse.Builder message = ModelInferResponse.newBuilder()
                .setModelName(response.modelName())
                .putAllParameters(protocolParameters(response.parameters()));
        if (response.modelVersion() != null) {
            message.setModelVersion(response.modelVersion());
        }
        if (response.id() != null) {
            message.setId(response.id());
        }
        for (Tensor output : response.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = message.addOutputsBuilder()
                    .setName(output.name())
                    .setDatatype(output.dataType().name());
            for (long dim : output.shape()) {
                tensor.addShape(dim);
            }
            // Tensors are immutable, so protobuf may send their bytes without a copy.
            message.addRawOutputContents(UnsafeByteOperations.unsafeWrap(output.data()));
        }
        return message.build();
    }

    /** Rejects negative dims, overflow and tensors above the server's element limit, as the HTTP API does. */
    static void checkElements(String name, long[] shape, long maxElements) {
        long elements = Tensor.elementCount(name, shape);
        if (elements > maxElements) {
            throw GantryException.invalidArgument("input '%s' has %d elements; this server accepts at most %d per"
                    + " tensor", name, elements, maxElements);
        }
    }

    private static void refuseSharedMemory(Map<String, InferParameter> parameters, String owner) {
        if (parameters.containsKey(SHARED_MEMORY_REGION)) {
            throw GantryException.invalidArgument("%s names a shared memory region; this server has no shared"
                    + " memory: send the data in the request", owner);
        }
    }

    /** Protocol parameters as Gantry holds them: Boolean, Long (BigInteger above 2^63 - 1), Double or String. */
    static Map<String, Object> parameters(Map<String, InferParameter> parameters) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, InferParameter> parameter : parameters.entrySet()) {
            InferParameter value = parameter.getValue();
            values.put(parameter.getKey(), switch (value.getParameterChoiceCase()) {
                case BOOL_PARAM -> value.getBoolParam();
                case INT64_PARAM -> value.getInt64Param();
                case STRING_PARAM -> value.getStringParam();
                case DOUBLE_PARAM -> value.getDoubleParam();
                case UINT64_PARAM -> value.getUint64Param() >= 0 ? (Object) value.getUint64Param()
                        : new BigInteger(Long.toUnsignedString(value.getUint64Param()));
                case PARAMETERCHOICE_NOT_SET -> throw GantryException.invalidArgument(
                        "parameter '%s' has no value", parameter.getKey());
            });
        }
        return values;
    }

    static Map<String, InferParameter> protocolParameters(Map<String, Object> parameters) {
        Map<String, InferParameter> values = new LinkedHashMap<>();
        parameters.forEach((key, value) -> values.put(key, protocolParameter(value)));
        return values;
    }

    static InferParameter protocolParameter(Object value) {
        InferParameter.Builder parameter = InferParameter.newBuilder();
        if (value instanceof Boolean flag) {
            parameter.setBoolParam(flag);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            parameter.setInt64Param(((Number) value).longValue());
        } else if (value instanceof BigInteger big && big.signum() >= 0 && big.bitLength() <= 64) {
            parameter.setUint64Param(big.longValue());
        } else if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            parameter.setDoubleParam(((Number) value).doubleValue());
        } else {
            parameter.setStringParam(String.valueOf(value));
        }
        return parameter.build();
    }

    /** Typed {@code contents}: the repeated field of the tensor's datatype, packed into Gantry's layout. */
    static final class TypedContents {

        private TypedContents() {
        }

        static ByteBuffer read(String name, DataType type, long count, InferTensorContents contents) {
            return switch (type) {
                case BOOL -> packed(name, type, count, contents.getBoolContentsList(), "bool_contents",
                        (data, i, v) -> data.put((byte) (v ? 1 : 0)));
                case INT8, INT16, INT32 -> packed(name, type, count, contents.getIntContentsList(), "int_contents",
                        (data, i, v) -> putInteger(name, type, data, i, v));
                case UINT8, UINT16, UINT32 -> packed(name, type, count, contents.getUintContentsList(),
                        "uint_contents", (data, i, v) -> putInteger(name, type, data, i, Integer.toUnsignedLong(v)));
                case INT64 -> packed(name, type, count, contents.getInt64ContentsList(), "int64_contents",
                        (data, i, v) -> data.putLong(v));
                case UINT64 -> packed(name, type, count, contents.getUint64ContentsList(), "uint64_contents",
                        (data, i, v) -> data.putLong(v));
                case FP32 -> packed(name, type, count, contents.getFp32ContentsList(), "fp32_contents",
                        (data, i, v) -> data.putFloat(v));
                case FP64 -> packed(name, type, count, contents.getFp64ContentsList(), "fp64_contents",
                        (data, i, v) -> data.putDouble(v));
                case FP16, BF16 -> throw GantryException.invalidArgument("input '%s': %s data has no typed contents"
                        + " field; send it as raw_input_contents", name, type);
                case BYTES -> bytes(name, count, contents);
            };
        }

        /** Puts one element of a repeated field into the tensor's buffer. */
        @FunctionalInterface
        private interface Put<T> {
            void put(ByteBuffer data, int index, T value);
        }

        /** A fixed-size datatype's repeated field, checked against the shape and packed in order. */
        private static <T> ByteBuffer packed(String name, DataType type, long count, List<T> values, String field,
                Put<T> put) {
            checkCount(name, type, count, values.size(), field);
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(count * type.byteSize()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.size(); i++) {
                put.put(data, i, values.get(i));
            }
            return data.flip();
        }

        private static void checkCount(String name, DataType type, long count, int given, String field) {
            if (given != count) {
                throw GantryException.invalidArgument("input '%s': its shape holds %d %s elements but contents.%s"
                        + " holds %d%s", name, count, type, field, given,
                        given == 0 ? " (set contents or raw_input_contents)" : "");
            }
        }

        /** An integer into the datatype's width, refusing values the datatype cannot hold. */
        private static void putInteger(String name, DataType type, ByteBuffer data, int index, long value) {
            long min = switch (type) {
                case INT8 -> Byte.MIN_VALUE;
                case INT16 -> Short.MIN_VALUE;
                case INT32 -> Integer.MIN_VALUE;
                default -> 0;
            };
            long max = switch (type) {
                case INT8 -> Byte.MAX_VALUE;
                case INT16 -> Short.MAX_VALUE;
                case INT32 -> Integer.MAX_VALUE;
                case UINT8 -> 0xff;
                case UINT16 -> 0xffff;
                default -> 0xffffffffL;
            };
            if (value < min || value > max) {
                throw GantryException.invalidArgument("input '%s': element %d, %d, is not a valid %s value", name,
                        index, value, type);
            }
            switch (type.byteSize()) {
                case 1 -> data.put((byte) value);
                case 2 -> data.putShort((short) value);
                default -> data.putInt((int) value);
            }
        }

        private static ByteBuffer bytes(String name, long count, InferTensorContents contents) {
            checkCount(name, DataType.BYTES, count, contents.getBytesContentsCount(), "bytes_contents");
            long size = 0;
            for (ByteString element : contents.getBytesContentsList()) {
                size += 4L + element.size();
            }
            if (size > Tensor.MAX_BYTES) {
                throw GantryException.invalidArgument("input '%s': %d bytes of BYTES data; a tensor holds at most"
                        + " %d", name, size, Tensor.MAX_BYTES);
            }
            ByteBuffer data = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            for (ByteString element : contents.getBytesContentsList()) {
                data.putInt(element.size());
                element.copyTo(data);
            }
            return data.flip();
        }
    }
}
