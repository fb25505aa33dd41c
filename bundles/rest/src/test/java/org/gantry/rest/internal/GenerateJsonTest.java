package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.TensorMetadata;
import org.gantry.api.tensor.DataType;
import org.junit.jupiter.api.Test;

/** Triton's generate extension: inputs as top-level fields, every other field a request parameter. */
class GenerateJsonTest {

    private static final ModelMetadata TEXT_MODEL = new ModelMetadata("t5", List.of("1"), "seq2seq",
            List.of(new TensorMetadata("text_input", DataType.BYTES, List.of(1L))), List.of());

    private static InferenceRequest read(String json) {
        return GenerateJson.readRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), TEXT_MODEL,
                1000);
    }

    @Test
    void topLevelFieldsThatAreNoInputsAreRequestParameters() {
        InferenceRequest request = read("{\"text_input\": \"hi\", \"max_tokens\": 5, \"temperature\": 0,"
                + " \"stream\": true, \"parameters\": {\"seed\": 7}, \"id\": \"g1\"}");

        assertEquals(List.of("hi"), request.input("text_input").bytesElementsAsStrings());
        assertEquals(Map.of("seed", 7, "max_tokens", 5, "temperature", 0, "stream", true), request.parameters());
        assertEquals("g1", request.id());
    }

    @Test
    void aParameterMustBeAScalarAndGivenOnce() {
        GantryException object = assertThrows(GantryException.class, () -> read("{\"text_input\": \"hi\","
                + " \"sampling\": {\"top_k\": 3}}"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, object.kind());
        assertTrue(object.getMessage().contains("'sampling' is not an input of model 't5'"), object.getMessage());

        GantryException twice = assertThrows(GantryException.class, () -> read("{\"text_input\": \"hi\","
                + " \"seed\": 1, \"parameters\": {\"seed\": 2}}"));
        assertTrue(twice.getMessage().contains("'seed' is given twice"), twice.getMessage());
    }
}
