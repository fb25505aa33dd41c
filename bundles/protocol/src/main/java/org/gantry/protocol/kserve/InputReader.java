package org.gantry.protocol.kserve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;

/** Reads one entry of a request's {@code inputs}: its header, and its data inline or the size of its binary data. */
final class InputReader {

    private InputReader() {
    }

    /** An input as its JSON entry gives it: with its data, or with the size of its data in the binary section. */
    record Entry(String name, DataType dataType, long[] shape, Tensor tensor, long binarySize) {
    }

    /** Reads the input object the parser stands at; its shape is checked against {@code maxElements} first. */
    static Entry readInput(JsonParser parser, long maxElements) throws IOException {
        String name = null;
        DataType dataType = null;
        long[] shape = null;
        TokenBuffer bufferedData = null;
        Tensor tensor = null;
        Map<String, Object> parameters = Map.of();
        for (String field; (field = JsonFormat.nextField(parser)) != null;) {
            switch (field) {
                case "name" -> name = JsonFormat.requireString(parser, "input 'name'");
                case "datatype" ->
                    dataType = DataType.fromProtocolName(JsonFormat.requireString(parser, "input 'datatype'"));
                case "shape" -> shape = readShape(parser, name, maxElements);
                case "parameters" -> parameters = JsonFormat.readParameters(parser, "input");
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
        Object binarySize = parameters.get(BinaryExtension.BINARY_DATA_SIZE);
        if (binarySize != null) {
            if (tensor != null || bufferedData != null) {
                throw GantryException.invalidArgument("%s has both 'data' and a binary_data_size", label);
            }
            return new Entry(name, dataType, shape, null, binaryDataSize(binarySize, label));
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
        return new Entry(name, dataType, shape, tensor, -1);
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
        RequestReader.checkElements(name, shape, maxElements); // before any data is read
        return shape;
    }

    private static Tensor readData(JsonParser parser, String name, DataType dataType, long[] shape) throws IOException {
        DataWriter writer = new DataWriter(name, dataType, shape);
        if (parser.currentToken() == JsonToken.START_ARRAY) {
            readNested(parser, writer, 0);
        } else {
            writer.write(parser); // a scalar for a single-element tensor
        }
        return writer.tensor();
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
}
