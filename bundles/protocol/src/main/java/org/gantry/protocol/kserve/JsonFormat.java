package org.gantry.protocol.kserve;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.gantry.api.error.GantryException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON dialect every reader and writer of this package uses, its common fields, and how its errors are told. */
final class JsonFormat {

    /**
     * Closing a parser or generator must not close the HTTP streams: binary data may follow the JSON. A key given
     * twice is refused (which one would count is a guess). Strings may be as long as the body limit allows: a
     * base64 {@code file:} upload is one string.
     */
    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                    .maxStringLength(Integer.MAX_VALUE).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    static final ObjectMapper TREES = new ObjectMapper(JSON);

    private JsonFormat() {
    }

    /** A JSON syntax error with its position, without Jackson's note about the (hidden) source. */
    static GantryException malformed(JsonProcessingException e) {
        String message = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; ", "[");
        return e.getLocation() == null ? GantryException.invalidArgument("malformed JSON: %s", message)
                : GantryException.invalidArgument("malformed JSON at line %d, column %d: %s",
                        e.getLocation().getLineNr(), e.getLocation().getColumnNr(), message);
    }

    /** A body that could not be read at all (the connection broke, the body limit was passed). */
    static GantryException unreadable(IOException e) {
        return GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
    }

    /** A {@code parameters} object: scalars only, in their order. */
    static Map<String, Object> readParameters(JsonParser parser, String owner) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw GantryException.invalidArgument("'parameters' of the %s must be an object", owner);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (String key; (key = nextField(parser)) != null;) {
            Object value = switch (parser.currentToken()) {
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

    /**
     * Moves from a field of an object, or its start, to the value of the next field and returns that field's name;
     * null at the end of the object.
     */
    static String nextField(JsonParser parser) throws IOException {
        String field = parser.nextFieldName();
        if (field != null) {
            parser.nextToken();
        }
        return field;
    }

    static String requireString(JsonParser parser, String what) throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw GantryException.invalidArgument("%s must be a string", what);
        }
        return parser.getText();
    }
}
