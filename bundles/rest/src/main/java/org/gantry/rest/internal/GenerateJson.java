package org.gantry.rest.internal;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.TensorMetadata;
import org.gantry.protocol.kserve.RequestReader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Requests of Triton's generate extension: a JSON object whose fields are the model's inputs by name (a value or
 * an array of values), plus {@code id} and {@code parameters}. Any other field is a request parameter, as the
 * extension says, so that {@code {"text_input": "...", "max_tokens": 20, "temperature": 0}} works as clients send
 * it. They are rewritten as KServe v2 requests, shaped by the model's metadata (a batched model gets a batch of one).
 */
final class GenerateJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GenerateJson() {
    }

    static InferenceRequest readRequest(InputStream body, ModelMetadata metadata, long maxElements) {
        JsonNode request = RequestReader.readTree(body);
        if (request == null || !request.isObject()) {
            throw GantryException.invalidArgument("a generate request must be a JSON object of the model's inputs");
        }
        ObjectNode inference = MAPPER.createObjectNode();
        ArrayNode inputs = inference.putArray("inputs");
        ObjectNode parameters = MAPPER.createObjectNode();
        JsonNode given = request.path("parameters");
        if (given.isObject()) {
            parameters.setAll((ObjectNode) given);
        } else if (!given.isMissingNode()) {
            inference.set("parameters", given); // not an object: the protocol reader names the mistake
        }
        for (Map.Entry<String, JsonNode> field : request.properties()) {
            String name = field.getKey();
            TensorMetadata declared = declared(metadata, name);
            if (name.equals("id")) {
                inference.set(name, field.getValue());
            } else if (declared != null) {
                inputs.add(input(declared, field.getValue()));
            } else if (!name.equals("parameters")) {
                parameters.set(name, parameter(metadata, name, field.getValue(), given));
            }
        }
        if (!inference.has("parameters")) {
            inference.set("parameters", parameters);
        }
        byte[] rewritten;
        try {
            rewritten = MAPPER.writeValueAsBytes(inference);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree could not be written", e);
        }
        return RequestReader.readRequest(new java.io.ByteArrayInputStream(rewritten), -1, maxElements);
    }

    private static TensorMetadata declared(ModelMetadata metadata, String name) {
        return metadata.inputs().stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /** A top-level field that is no input: a request parameter, so a scalar, given once. */
    private static JsonNode parameter(ModelMetadata metadata, String name, JsonNode value, JsonNode given) {
        if (!value.isValueNode() || value.isNull()) {
            throw GantryException.invalidArgument("'%s' is not an input of model '%s' (its inputs: %s), so it is a"
                    + " request parameter, which must be a string, number or boolean", name, metadata.name(),
                    metadata.inputs().stream().map(TensorMetadata::name).toList());
        }
        if (given.has(name)) {
            throw GantryException.invalidArgument("parameter '%s' is given twice: as a field and in 'parameters'",
                    name);
        }
        return value;
    }

    private static ObjectNode input(TensorMetadata declared, JsonNode value) {
        List<Long> shape = new ArrayList<>();
        JsonNode level = value;
        while (level.isArray()) {
            shape.add((long) level.size());
            level = level.size() > 0 ? level.get(0) : MAPPER.nullNode();
        }
        if (shape.isEmpty()) {
            shape.add(1L); // a single value is a tensor of one element
        }
        while (shape.size() < declared.shape().size()) {
            shape.add(0, 1L); // e.g. the batch dimension: a generate request is one request
        }
        ObjectNode input = MAPPER.createObjectNode();
        input.put("name", declared.name());
        input.put("datatype", declared.dataType().name());
        ArrayNode dims = input.putArray("shape");
        shape.forEach(dims::add);
        input.set("data", value);
        return input;
    }
}
