package org.gantry.rest.internal;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.TensorMetadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Requests of Triton's generate extension: a JSON object whose fields are the model's inputs by name (a value or
 * an array of values), plus {@code id} and {@code parameters}. They are rewritten as KServe v2 requests, shaped by
 * the model's metadata (a batched model gets a batch of one).
 */
final class GenerateJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GenerateJson() {
    }

    static InferenceRequest readRequest(InputStream body, ModelMetadata metadata, long maxElements) {
        JsonNode request = InferenceJson.readTree(body);
        if (request == null || !request.isObject()) {
            throw GantryException.invalidArgument("a generate request must be a JSON object of the model's inputs");
        }
        ObjectNode inference = MAPPER.createObjectNode();
        ArrayNode inputs = inference.putArray("inputs");
        for (Map.Entry<String, JsonNode> field : request.properties()) {
            switch (field.getKey()) {
                case "id", "parameters" -> inference.set(field.getKey(), field.getValue());
                default -> inputs.add(input(metadata, field.getKey(), field.getValue()));
            }
        }
        byte[] rewritten;
        try {
            rewritten = MAPPER.writeValueAsBytes(inference);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree could not be written", e);
        }
        return InferenceJson.readRequest(new java.io.ByteArrayInputStream(rewritten), -1, maxElements);
    }

    private static ObjectNode input(ModelMetadata metadata, String name, JsonNode value) {
        TensorMetadata declared = metadata.inputs().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> GantryException.invalidArgument("model '%s' has no input '%s' (its inputs: %s)",
                        metadata.name(), name, metadata.inputs().stream().map(TensorMetadata::name).toList()));
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
        input.put("name", name);
        input.put("datatype", declared.dataType().name());
        ArrayNode dims = input.putArray("shape");
        shape.forEach(dims::add);
        input.set("data", value);
        return input;
    }
}
