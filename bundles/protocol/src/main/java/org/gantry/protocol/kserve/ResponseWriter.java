package org.gantry.protocol.kserve;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Writes inference responses as KServe v2 JSON, or in the shape of Triton's generate extension, streaming tensor
 * data straight from little-endian buffers to JSON tokens.
 */
public final class ResponseWriter {

    private ResponseWriter() {
    }

    /** Writes a response as JSON, with every output's data inline. */
    public static void writeResponse(InferenceResponse response, OutputStream out) throws IOException {
        writeResponse(response, out, Set.of());
    }

    /**
     * Writes a response's JSON; outputs named in {@code binaryOutputs} carry a {@code binary_data_size} instead of
     * data, and their raw bytes must follow the JSON in output order ({@link BinaryExtension#writeBinaryData}).
     */
    public static void writeResponse(InferenceResponse response, OutputStream out, Set<String> binaryOutputs)
            throws IOException {
        try (JsonGenerator json = JsonFormat.JSON.createGenerator(out)) {
            json.writeStartObject();
            writeIdentity(json, response);
            if (!response.parameters().isEmpty()) {
                json.writeObjectFieldStart("parameters");
                for (Map.Entry<String, Object> parameter : response.parameters().entrySet()) {
                    json.writeFieldName(parameter.getKey());
                    writeScalar(json, parameter.getValue());
                }
                json.writeEndObject();
            }
            json.writeArrayFieldStart("outputs");
            for (Tensor output : response.outputs()) {
                writeTensor(json, output, binaryOutputs.contains(output.name()));
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** The fields naming the answer: model, version and the caller's request id (left out when empty, as Triton does). */
    private static void writeIdentity(JsonGenerator json, InferenceResponse response) throws IOException {
        json.writeStringField("model_name", response.modelName());
        if (response.modelVersion() != null) {
            json.writeStringField("model_version", response.modelVersion());
        }
        if (response.id() != null && !response.id().isEmpty()) {
            json.writeStringField("id", response.id());
        }
    }

    /**
     * Writes a response in the shape of Triton's generate extension: the model's outputs as top-level fields, a
     * single element as a JSON value and several as an array.
     */
    public static void writeGenerateResponse(InferenceResponse response, OutputStream out) throws IOException {
        try (JsonGenerator json = JsonFormat.JSON.createGenerator(out)) {
            json.writeStartObject();
            writeIdentity(json, response);
            for (Map.Entry<String, Object> parameter : response.parameters().entrySet()) {
                json.writeFieldName(parameter.getKey());
                writeScalar(json, parameter.getValue());
            }
            for (Tensor output : response.outputs()) {
                json.writeFieldName(output.name());
                boolean single = output.elementCount() == 1;
                if (!single) {
                    json.writeStartArray();
                }
                writeElements(json, output);
                if (!single) {
                    json.writeEndArray();
                }
            }
            json.writeEndObject();
        }
    }

    private static void writeScalar(JsonGenerator json, Object value) throws IOException {
        if (value instanceof Boolean flag) {
            json.writeBoolean(flag);
        } else if (value instanceof Number number) {
            json.writeNumber(number.toString());
        } else {
            json.writeString(String.valueOf(value));
        }
    }

    private static void writeTensor(JsonGenerator json, Tensor tensor, boolean binary) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", tensor.name());
        json.writeStringField("datatype", tensor.dataType().name());
        json.writeArrayFieldStart("shape");
        for (int i = 0; i < tensor.rank(); i++) {
            json.writeNumber(tensor.dim(i));
        }
        json.writeEndArray();
        if (binary) {
            json.writeObjectFieldStart("parameters");
            json.writeNumberField(BinaryExtension.BINARY_DATA_SIZE, tensor.byteSize());
            json.writeEndObject();
            json.writeEndObject();
            return;
        }
        json.writeArrayFieldStart("data");
        writeElements(json, tensor);
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void writeElements(JsonGenerator json, Tensor tensor) throws IOException {
        if (tensor.dataType() == DataType.BYTES) {
            for (ByteBuffer element : tensor.bytesElements()) {
                json.writeString(StandardCharsets.UTF_8.decode(element).toString());
            }
        } else {
            ByteBuffer data = tensor.data();
            while (data.hasRemaining()) {
                writeElement(json, tensor.dataType(), data);
            }
        }
    }

    private static void writeElement(JsonGenerator json, DataType dataType, ByteBuffer data) throws IOException {
        switch (dataType) {
            case BOOL -> json.writeBoolean(data.get() != 0);
            case INT8 -> json.writeNumber(data.get());
            case UINT8 -> json.writeNumber(Byte.toUnsignedInt(data.get()));
            case INT16 -> json.writeNumber(data.getShort());
            case UINT16 -> json.writeNumber(Short.toUnsignedInt(data.getShort()));
            case INT32 -> json.writeNumber(data.getInt());
            case UINT32 -> json.writeNumber(Integer.toUnsignedLong(data.getInt()));
            case INT64 -> json.writeNumber(data.getLong());
            case UINT64 -> json.writeNumber(Long.toUnsignedString(data.getLong()));
            case FP16 -> json.writeNumber(HalfPrecision.halfToFloat(data.getShort()));
            case BF16 -> json.writeNumber(HalfPrecision.bfloat16ToFloat(data.getShort()));
            case FP32 -> json.writeNumber(data.getFloat());
            case FP64 -> json.writeNumber(data.getDouble());
            case BYTES -> throw new IllegalStateException("BYTES elements are written separately");
        }
    }
}
