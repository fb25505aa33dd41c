package org.gantry.rest.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;

/**
 * Reads KServe v2 inference requests and writes responses as JSON, streaming tensor data straight between
 * JSON tokens and little-endian buffers: no element is ever boxed.
 */
public final class InferenceJson {

    static final String BINARY_DATA_SIZE = "binary_data_size";
    static final String BINARY_DATA = "binary_data";
    static final String BINARY_DATA_OUTPUT = "binary_data_output";
    /** The largest double that still rounds to a finite FP16 (65504, the largest half, plus half its last step). */
    private static final double HALF_MAX = 65520 - Math.ulp(65520.0);
    /** The largest float that still rounds to a finite BF16 (round to nearest even takes 0x7f7f8000 to infinity). */
    private static final double BF16_MAX = Float.intBitsToFloat(0x7f7f7fff);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** Buffers start small and grow with the data actually sent, so an absurd shape costs no memory. */
    private static final int INITIAL_BUFFER = 4096;
    /** The piece in which binary outputs are copied to the response. */
    private static final int BINARY_CHUNK = 64 * 1024;

    /**
     * Closing a parser or generator must not close the HTTP streams: binary data may follow the JSON. A key given
     * twice is refused (which one would count is a guess). Strings may be as long as the body limit allows: a
     * base64 {@code file:} upload is one string.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                    .maxStringLength(Integer.MAX_VALUE).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private static final ObjectMapper TREES = new ObjectMapper(JSON);

    private InferenceJson() {
    }

    /** Reads a request whose body is JSON only, with no limit on tensor sizes beyond the protocol's. */
    public static InferenceRequest readRequest(InputStream body) {
        return readRequest(body, -1, Long.MAX_VALUE);
    }

    /**
     * Reads a request: a JSON header and, with Triton's binary tensor extension, the raw data of inputs that give
     * a {@code binary_data_size}, in the header's order.
     *
     * @param headerLength the {@code Inference-Header-Content-Length}, or -1 when the whole body is JSON
     * @param maxElements  the most elements one input tensor may have
     */
    static InferenceRequest readRequest(InputStream body, long headerLength, long maxElements) {
        InputStream header = headerLength < 0 ? body : new BoundedInputStream(body, headerLength);
        try (JsonParser parser = JSON.createParser(header)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw GantryException.invalidArgument("the request body must be a JSON object");
            }
            String id = null;
            Map<String, Object> parameters = Map.of();
            List<InputEntry> inputs = null;
            List<RequestedOutput> outputs = List.of();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "id" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw GantryException.invalidArgument("'id' must be a string");
                        }
                        id = parser.getText();
                    }
                    case "parameters" -> parameters = readParameters(parser, "request");
                    case "inputs" -> inputs = readArray(parser, "inputs", p -> readInput(p, maxElements));
                    case "outputs" -> outputs = readArray(parser, "outputs", InferenceJson::readRequestedOutput);
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw GantryException.invalidArgument("unexpected content after the JSON request object");
            }
            if (inputs == null) {
                throw GantryException.invalidArgument("the request has no 'inputs'");
            }
            if (headerLength >= 0 && header.read() != -1) {
                throw GantryException.invalidArgument("the JSON header is shorter than its Inference-Header-Content-Length"
                        + " of %d bytes", headerLength);
            }
            List<Tensor> tensors = new ArrayList<>(inputs.size());
            for (InputEntry input : inputs) {
                tensors.add(input.tensor() != null ? input.tensor() : readBinary(body, input, headerLength));
            }
            if (headerLength >= 0 && body.read() != -1) {
                throw GantryException.invalidArgument("the body has more binary data than the inputs' binary_data_size"
                        + " announce");
            }
            return new InferenceRequest(id, parameters, tensors, outputs);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
        }
    }

    /** A whole JSON body as a tree, or null when the body is empty. */
    static JsonNode readTree(InputStream body) {
        try {
            JsonNode node = TREES.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
        }
    }

    /** A JSON syntax error with its position, without Jackson's note about the (hidden) source. */
    static GantryException malformed(JsonProcessingException e) {
        String message = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; ", "[");
        return e.getLocation() == null ? GantryException.invalidArgument("malformed JSON: %s", message)
                : GantryException.invalidArgument("malformed JSON at line %d, column %d: %s",
                        e.getLocation().getLineNr(), e.getLocation().getColumnNr(), message);
    }

    private interface ElementReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    private static <T> List<T> readArray(JsonParser parser, String what, ElementReader<T> reader) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw GantryException.invalidArgument("'%s' must be an array", what);
        }
        List<T> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw GantryException.invalidArgument("each entry of '%s' must be an object", what);
            }
            items.add(reader.read(parser));
        }
        return items;
    }

    private static Map<String, Object> readParameters(JsonParser parser, String owner) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw GantryException.invalidArgument("'parameters' of the %s must be an object", owner);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken token = parser.nextToken();
            Object value = switch (token) {
                case VALUE_STRING -> parser.getText();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                default -> throw GantryException.invalidArgument(
                        "parameter '%s' of the %s must be a string, number or boolean", key, owner);
            };
            parameters.put(key, value);
        }
        return parameters;
    }

    private static RequestedOutput readRequestedOutput(JsonParser parser) throws IOException {
        String name = null;
        Map<String, Object> parameters = Map.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "name" -> name = requireString(parser, "output 'name'");
                case "parameters" -> parameters = readParameters(parser, "output");
                default -> parser.skipChildren();
            }
        }
        if (name == null) {
            throw GantryException.invalidArgument("a requested output has no 'name'");
        }
        return new RequestedOutput(name, parameters);
    }

    /** An input as its JSON entry gives it: with its data, or with the size of its data in the binary section. */
    private record InputEntry(String name, DataType dataType, long[] shape, Tensor tensor, long binarySize) {
    }

    private static InputEntry readInput(JsonParser parser, long maxElements) throws IOException {
        String name = null;
        DataType dataType = null;
        long[] shape = null;
        TokenBuffer bufferedData = null;
        Tensor tensor = null;
        Map<String, Object> parameters = Map.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "name" -> name = requireString(parser, "input 'name'");
                case "datatype" -> dataType = DataType.fromProtocolName(requireString(parser, "input 'datatype'"));
                case "shape" -> shape = readShape(parser, name, maxElements);
                case "parameters" -> parameters = readParameters(parser, "input");
                case "data" -> {
                    if (name != null && dataType != null && shape != null) {
                        tensor = readData(parser, name, dataType, shape);
                    } else { // fields arrived out of the usual order: keep the tokens until the header is known
                        bufferedData = new TokenBuffer(parser);
                        bufferedData.copyCurrentStructure(parser);
                    }
                }
                default -> parser.skipChildren();
            }
        }
        String label = name == null ? "an input" : "input '" + name + "'";
        if (name == null) {
            throw GantryException.invalidArgument("an input has no 'name'");
        }
        if (dataType == null) {
            throw GantryException.invalidArgument("%s has no 'datatype'", label);
        }
        if (shape == null) {
            throw GantryException.invalidArgument("%s has no 'shape'", label);
        }
        Object binarySize = parameters.get(BINARY_DATA_SIZE);
        if (binarySize != null) {
            if (tensor != null || bufferedData != null) {
                throw GantryException.invalidArgument("%s has both 'data' and a binary_data_size", label);
            }
            return new InputEntry(name, dataType, shape, null, binaryDataSize(binarySize, label));
        }
        if (tensor == null && bufferedData == null) {
            throw GantryException.invalidArgument("%s has no 'data'", label);
        }
        if (tensor == null) {
            try (JsonParser replay = bufferedData.asParser()) {
                replay.nextToken();
                tensor = readData(replay, name, dataType, shape);
            }
        }
        return new InputEntry(name, dataType, shape, tensor, -1);
    }

    private static long binaryDataSize(Object value, String label) {
        if (value instanceof Number number && !(number instanceof Double) && !(number instanceof Float)
                && !(number instanceof java.math.BigDecimal) && number.longValue() >= 0
                && number.longValue() <= Tensor.MAX_BYTES) {
            return number.longValue();
        }
        throw GantryException.invalidArgument("binary_data_size of %s must be an integer from 0 to %d, not '%s'", label,
                Tensor.MAX_BYTES, value);
    }

    private static Tensor readBinary(InputStream body, InputEntry input, long headerLength) throws IOException {
        if (headerLength < 0) {
            throw GantryException.invalidArgument("input '%s' has a binary_data_size but the request has no"
                    + " Inference-Header-Content-Length header", input.name());
        }
        if (input.dataType().isFixedSize()) {
            long expected = Tensor.byteSize(input.name(), input.dataType(), input.shape());
            if (expected != input.binarySize()) {
                throw GantryException.invalidArgument("input '%s': binary_data_size is %d but %s %s needs %d bytes",
                        input.name(), input.binarySize(), input.dataType(), java.util.Arrays.toString(input.shape()),
                        expected);
            }
        }
        byte[] data = body.readNBytes((int) input.binarySize());
        if (data.length != input.binarySize()) {
            throw GantryException.invalidArgument("input '%s': the body ends after %d of its %d binary bytes",
                    input.name(), data.length, input.binarySize());
        }
        return tensorFromRaw(input.name(), input.dataType(), input.shape(), data);
    }

    /** A tensor over raw little-endian bytes (BYTES elements framed by 4-byte lengths, which Tensor checks). */
    static Tensor tensorFromRaw(String name, DataType dataType, long[] shape, byte[] data) {
        return Tensor.of(name, dataType, shape, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
    }

    private static long[] readShape(JsonParser parser, String name, long maxElements) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw GantryException.invalidArgument("'shape' of input '%s' must be an array of integers", name);
        }
        List<Long> dims = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw GantryException.invalidArgument("'shape' of input '%s' must hold integers, not '%s'", name,
                        parser.getText());
            }
            dims.add(parser.getLongValue());
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        checkElements(name, shape, maxElements); // before any data is read
        return shape;
    }

    /** Rejects negative dims, overflow and tensors above the server's element limit. */
    static void checkElements(String name, long[] shape, long maxElements) {
        long elements = Tensor.elementCount(name, shape);
        if (elements > maxElements) {
            throw GantryException.invalidArgument("input '%s' has %d elements; this server accepts at most %d per"
                    + " tensor", name, elements, maxElements);
        }
    }

    private static Tensor readData(JsonParser parser, String name, DataType dataType, long[] shape) throws IOException {
        long expected = Tensor.elementCount(name, shape);
        long maxBytes = dataType.isFixedSize() ? Tensor.byteSize(name, dataType, shape) : Tensor.MAX_BYTES;
        DataWriter writer = new DataWriter(name, dataType, expected, maxBytes);
        if (parser.currentToken() == JsonToken.START_ARRAY) {
            readNested(parser, writer, 0);
        } else {
            writer.write(parser); // a scalar for a single-element tensor
        }
        if (writer.count != expected) {
            throw GantryException.invalidArgument("input '%s' has %d data elements but its shape %s needs %d", name,
                    writer.count, java.util.Arrays.toString(shape), expected);
        }
        return Tensor.of(name, dataType, shape, writer.buffer.flip());
    }

    private static void readNested(JsonParser parser, DataWriter writer, int depth) throws IOException {
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() == JsonToken.START_ARRAY) {
                readNested(parser, writer, depth + 1);
            } else {
                writer.write(parser);
            }
        }
    }

    /** Appends JSON scalars to a growing little-endian buffer, checking each against the datatype. */
    private static final class DataWriter {
        private final String name;
        private final DataType dataType;
        private final long expected;
        private final long maxBytes;
        private ByteBuffer buffer;
        private long count;

        DataWriter(String name, DataType dataType, long expected, long maxBytes) {
            this.name = name;
            this.dataType = dataType;
            this.expected = expected;
            this.maxBytes = maxBytes;
            this.buffer = ByteBuffer.allocate((int) Math.min(maxBytes, INITIAL_BUFFER)).order(ByteOrder.LITTLE_ENDIAN);
        }

        void write(JsonParser parser) throws IOException {
            if (count == expected) {
                throw GantryException.invalidArgument("input '%s' has more data elements than its shape allows (%d)",
                        name, expected);
            }
            JsonToken token = parser.currentToken();
            switch (dataType) {
                case BOOL -> {
                    if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                        throw badElement(parser);
                    }
                    room(1).put((byte) (token == JsonToken.VALUE_TRUE ? 1 : 0));
                }
                case INT8 -> room(1).put((byte) integer(parser, Byte.MIN_VALUE, Byte.MAX_VALUE));
                case UINT8 -> room(1).put((byte) integer(parser, 0, 0xff));
                case INT16 -> room(2).putShort((short) integer(parser, Short.MIN_VALUE, Short.MAX_VALUE));
                case UINT16 -> room(2).putShort((short) integer(parser, 0, 0xffff));
                case INT32 -> room(4).putInt((int) integer(parser, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case UINT32 -> room(4).putInt((int) integer(parser, 0, 0xffffffffL));
                case INT64 -> room(8).putLong(integer(parser, Long.MIN_VALUE, Long.MAX_VALUE));
                case UINT64 -> room(8).putLong(unsigned64(parser));
                case FP16 -> room(2).putShort(HalfPrecision.floatToHalf(representable(parser, HALF_MAX)));
                case BF16 -> room(2).putShort(HalfPrecision.floatToBfloat16(representable(parser, BF16_MAX)));
                case FP32 -> room(4).putFloat(representable(parser, Float.MAX_VALUE));
                case FP64 -> room(8).putDouble(number(parser));
                case BYTES -> {
                    if (token != JsonToken.VALUE_STRING) {
                        throw badElement(parser);
                    }
                    byte[] bytes = parser.getText().getBytes(StandardCharsets.UTF_8);
                    room(4 + bytes.length).putInt(bytes.length).put(bytes);
                }
            }
            count++;
        }

        private long integer(JsonParser parser, long min, long max) throws IOException {
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw badElement(parser);
            }
            long value = parser.getLongValue();
            if (value < min || value > max) {
                throw badElement(parser);
            }
            return value;
        }

        private long unsigned64(JsonParser parser) throws IOException {
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw badElement(parser);
            }
            BigInteger value = parser.getBigIntegerValue();
            if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
                throw badElement(parser);
            }
            return value.longValue();
        }

        private double number(JsonParser parser) throws IOException {
            JsonToken token = parser.currentToken();
            if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
                throw badElement(parser);
            }
            return parser.getDoubleValue();
        }

        /**
         * A number that fits the datatype: one whose magnitude would round to infinity is refused rather than
         * silently becoming one ({@code max} is the largest value that rounds to a finite one).
         */
        private float representable(JsonParser parser, double max) throws IOException {
            double value = number(parser);
            if (Math.abs(value) > max) {
                throw GantryException.invalidArgument("input '%s': element %d, '%s', is beyond the range of %s"
                        + " (largest magnitude %s)", name, count, parser.getText(), dataType,
                        dataType == DataType.FP16 ? "65504" : dataType == DataType.BF16 ? "3.3895314E38" : Float.toString(Float.MAX_VALUE));
            }
            return (float) value;
        }

        private GantryException badElement(JsonParser parser) throws IOException {
            return GantryException.invalidArgument("input '%s': element %d, '%s', is not a valid %s value", name, count,
                    parser.getText(), dataType);
        }

        /** Makes room for {@code bytes} more, growing geometrically but never beyond what the shape allows. */
        private ByteBuffer room(int bytes) {
            if (buffer.remaining() >= bytes) {
                return buffer;
            }
            long needed = (long) buffer.position() + bytes;
            if (needed > maxBytes) {
                throw GantryException.invalidArgument("input '%s' holds more than %d bytes", name, maxBytes);
            }
            long capacity = Math.min(maxBytes, Math.max(needed, (long) buffer.capacity() * 2));
            ByteBuffer grown = ByteBuffer.allocate((int) capacity).order(ByteOrder.LITTLE_ENDIAN);
            grown.put(buffer.flip());
            buffer = grown;
            return buffer;
        }
    }

    private static String requireString(JsonParser parser, String what) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw GantryException.invalidArgument("%s must be a string", what);
        }
        return parser.getText();
    }

    /**
     * The outputs to send as binary data: those whose requested-output parameter {@code binary_data} is true, or
     * every output when the request parameter {@code binary_data_output} is true (unless an output says false).
     */
    static Set<String> binaryOutputs(InferenceRequest request, List<Tensor> outputs) {
        boolean byDefault = flag(request.parameters(), BINARY_DATA_OUTPUT, "request");
        Map<String, Boolean> perOutput = new HashMap<>();
        for (RequestedOutput requested : request.outputs()) {
            if (requested.parameters().containsKey(BINARY_DATA)) {
                perOutput.put(requested.name(),
                        flag(requested.parameters(), BINARY_DATA, "output '" + requested.name() + "'"));
            }
        }
        Set<String> binary = new HashSet<>();
        for (Tensor output : outputs) {
            if (perOutput.getOrDefault(output.name(), byDefault)) {
                binary.add(output.name());
            }
        }
        return binary;
    }

    private static boolean flag(Map<String, Object> parameters, String name, String owner) {
        Object value = parameters.get(name);
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw GantryException.invalidArgument("parameter '%s' of the %s must be a boolean, not '%s'", name, owner, value);
    }

    /** Writes a response as JSON, with every output's data inline. */
    public static void writeResponse(InferenceResponse response, OutputStream out) throws IOException {
        writeResponse(response, out, Set.of());
    }

    /**
     * Writes a response's JSON; outputs named in {@code binaryOutputs} carry a {@code binary_data_size} instead of
     * data, and their raw bytes must follow the JSON in output order ({@link #writeBinaryData}).
     */
    static void writeResponse(InferenceResponse response, OutputStream out, Set<String> binaryOutputs)
            throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out)) {
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

    /** The raw data of the binary outputs, in response order, as Triton's binary extension sends them. */
    static void writeBinaryData(InferenceResponse response, Set<String> binaryOutputs, OutputStream out)
            throws IOException {
        long total = 0;
        for (Tensor output : response.outputs()) {
            total += binaryOutputs.contains(output.name()) ? output.byteSize() : 0;
        }
        byte[] chunk = new byte[(int) Math.max(1, Math.min(BINARY_CHUNK, total))];
        for (Tensor output : response.outputs()) {
            if (binaryOutputs.contains(output.name())) {
                // Tensors are read-only views: copied out in large pieces, each of which Jetty writes straight to
                // the socket (a channel over the stream would copy and write 8 KB at a time).
                ByteBuffer data = output.data();
                while (data.hasRemaining()) {
                    int length = Math.min(chunk.length, data.remaining());
                    data.get(chunk, 0, length);
                    out.write(chunk, 0, length);
                }
            }
        }
    }

    /**
     * Writes a response in the shape of Triton's generate extension: the model's outputs as top-level fields, a
     * single element as a JSON value and several as an array.
     */
    static void writeGenerateResponse(InferenceResponse response, OutputStream out) throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out)) {
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
            json.writeNumberField(BINARY_DATA_SIZE, tensor.byteSize());
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
