package org.gantry.traffic.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.api.traffic.Exchange;
import org.gantry.protocol.kserve.HalfPrecision;

/**
 * One exchange as a line of JSON: model, version, request id, time received, time taken, the allowed request
 * parameters, then inputs and outputs in KServe v2's JSON tensor form ({@code name}, {@code datatype}, {@code shape},
 * {@code data} row-major). A tensor larger than the inline limit, or strings that are not UTF-8, are handed to
 * {@link BinaryFiles} and named by {@code data_file}, {@code data_offset} and {@code data_bytes} instead: its raw
 * little-endian bytes (strings in KServe's binary form, each element a 4-byte little-endian length then its bytes).
 */
final class CaptureJson {

    /** Where a tensor's bytes went: a file beside the record's, and the range in it. */
    record Placement(String file, long offset, long length) {
    }

    /** Writes a tensor's bytes beside the record and says where. */
    @FunctionalInterface
    interface BinaryFiles {
        Placement write(ByteBuffer bytes) throws IOException;
    }

    private CaptureJson() {
    }

    static String record(Exchange exchange, Set<String> allowedParameters, int inlineBytes, BinaryFiles files)
            throws IOException {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"model\":");
        string(json, exchange.model());
        json.append(",\"version\":");
        string(json, exchange.servedVersion());
        json.append(",\"id\":");
        string(json, exchange.request().id());
        json.append(",\"received_at\":");
        string(json, Instant.ofEpochMilli(exchange.receivedAtMillis()).toString());
        json.append(",\"duration_us\":").append(exchange.durationNanos() / 1000);
        json.append(",\"parameters\":{");
        String separator = "";
        for (Map.Entry<String, Object> parameter : exchange.request().parameters().entrySet()) {
            if (allowedParameters.contains(parameter.getKey())) {
                json.append(separator);
                string(json, parameter.getKey());
                json.append(':');
                Object value = parameter.getValue();
                if (value instanceof Number || value instanceof Boolean) {
                    json.append(value);
                } else {
                    string(json, String.valueOf(value));
                }
                separator = ",";
            }
        }
        json.append("},\"inputs\":");
        tensors(json, exchange.request().inputs(), inlineBytes, files);
        json.append(",\"outputs\":");
        tensors(json, exchange.response().outputs(), inlineBytes, files);
        return json.append('}').toString();
    }

    private static void tensors(StringBuilder json, List<Tensor> tensors, int inlineBytes,
            BinaryFiles files) throws IOException {
        json.append('[');
        for (int i = 0; i < tensors.size(); i++) {
            Tensor tensor = tensors.get(i);
            json.append(i == 0 ? "" : ",").append("{\"name\":");
            string(json, tensor.name());
            json.append(",\"datatype\":\"").append(tensor.dataType().name()).append("\",\"shape\":[");
            long[] shape = tensor.shape();
            for (int d = 0; d < shape.length; d++) {
                json.append(d == 0 ? "" : ",").append(shape[d]);
            }
            json.append(']');
            List<String> strings = tensor.dataType() == DataType.BYTES ? utf8(tensor) : null;
            if (tensor.byteSize() > inlineBytes || tensor.dataType() == DataType.BYTES && strings == null) {
                Placement placement = files.write(tensor.data());
                json.append(",\"data_file\":");
                string(json, placement.file());
                json.append(",\"data_offset\":").append(placement.offset()).append(",\"data_bytes\":")
                        .append(placement.length());
            } else {
                json.append(",\"data\":[");
                if (strings != null) {
                    for (int e = 0; e < strings.size(); e++) {
                        json.append(e == 0 ? "" : ",");
                        string(json, strings.get(e));
                    }
                } else {
                    numbers(json, tensor);
                }
                json.append(']');
            }
            json.append('}');
        }
        json.append(']');
    }

    private static void numbers(StringBuilder json, Tensor tensor) {
        ByteBuffer data = tensor.data().order(ByteOrder.LITTLE_ENDIAN);
        DataType type = tensor.dataType();
        int base = data.position();
        for (int i = 0; i < tensor.elementCount(); i++) {
            if (i > 0) {
                json.append(',');
            }
            int at = base + i * type.byteSize();
            switch (type) {
                case BOOL -> json.append(data.get(at) != 0);
                case UINT8 -> json.append(data.get(at) & 0xff);
                case INT8 -> json.append(data.get(at));
                case UINT16 -> json.append(data.getShort(at) & 0xffff);
                case INT16 -> json.append(data.getShort(at));
                case UINT32 -> json.append(data.getInt(at) & 0xffffffffL);
                case INT32 -> json.append(data.getInt(at));
                case UINT64 -> json.append(Long.toUnsignedString(data.getLong(at)));
                case INT64 -> json.append(data.getLong(at));
                case FP16 -> real(json, HalfPrecision.halfToFloat(data.getShort(at)));
                case BF16 -> real(json, HalfPrecision.bfloat16ToFloat(data.getShort(at)));
                case FP32 -> real(json, data.getFloat(at));
                case FP64 -> real(json, data.getDouble(at));
                default -> throw new IllegalArgumentException("no numeric elements in " + type);
            }
        }
    }

    /** Shortest text that reads back to the same value; JSON has no NaN nor infinities, so those are strings. */
    private static void real(StringBuilder json, float value) {
        if (Float.isFinite(value)) {
            json.append(value);
        } else {
            string(json, Float.toString(value));
        }
    }

    private static void real(StringBuilder json, double value) {
        if (Double.isFinite(value)) {
            json.append(value);
        } else {
            string(json, Double.toString(value));
        }
    }

    /** The elements as strings, or null when one is not valid UTF-8. */
    private static List<String> utf8(Tensor tensor) {
        List<String> strings = new ArrayList<>();
        for (ByteBuffer element : tensor.bytesElements()) {
            try {
                strings.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(element).toString());
            } catch (CharacterCodingException e) {
                return null;
            }
        }
        return strings;
    }

    static void string(StringBuilder json, String value) {
        if (value == null) {
            json.append("null");
            return;
        }
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
