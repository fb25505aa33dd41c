package org.gantry.protocol.kserve;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.tensor.Tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads KServe v2 inference requests, streaming tensor data straight from JSON tokens into little-endian buffers:
 * no element is ever boxed. Every mistake in a request is an INVALID_ARGUMENT {@link GantryException} that names it.
 */
public final class RequestReader {

    private RequestReader() {
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
    public static InferenceRequest readRequest(InputStream body, long headerLength, long maxElements) {
        InputStream header = headerLength < 0 ? body : new BoundedInputStream(body, headerLength);
        try (JsonParser parser = JsonFormat.JSON.createParser(header)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw GantryException.invalidArgument("the request body must be a JSON object");
            }
            String id = null;
            Map<String, Object> parameters = Map.of();
            List<InputReader.Entry> inputs = null;
            List<RequestedOutput> outputs = List.of();
            for (String field; (field = JsonFormat.nextField(parser)) != null;) {
                switch (field) {
                    case "id" -> {
                        if (parser.currentToken() != JsonToken.VALUE_STRING) {
                            throw GantryException.invalidArgument("'id' must be a string");
                        }
                        id = parser.getText();
                    }
                    case "parameters" -> parameters = JsonFormat.readParameters(parser, "request");
                    case "inputs" -> inputs = readArray(parser, "inputs", p -> InputReader.readInput(p, maxElements));
                    case "outputs" -> outputs = readArray(parser, "outputs", RequestReader::readRequestedOutput);
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
                throw GantryException
                        .invalidArgument("the JSON header is shorter than its Inference-Header-Content-Length"
                                + " of %d bytes", headerLength);
            }
            List<Tensor> tensors = new ArrayList<>(inputs.size());
            for (InputReader.Entry input : inputs) {
                tensors.add(input.tensor() != null ? input.tensor()
                        : BinaryExtension.readBinary(body, input, headerLength));
            }
            if (headerLength >= 0 && body.read() != -1) {
                throw GantryException.invalidArgument("the body has more binary data than the inputs' binary_data_size"
                        + " announce");
            }
            return new InferenceRequest(id, parameters, tensors, outputs);
        } catch (JsonProcessingException e) {
            throw JsonFormat.malformed(e);
        } catch (IOException e) {
            throw JsonFormat.unreadable(e);
        }
    }

    /** A whole JSON body as a tree, or null when the body is empty. */
    public static JsonNode readTree(InputStream body) {
        try {
            JsonNode node = JsonFormat.TREES.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            throw JsonFormat.malformed(e);
        } catch (IOException e) {
            throw JsonFormat.unreadable(e);
        }
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

    private static RequestedOutput readRequestedOutput(JsonParser parser) throws IOException {
        String name = null;
        Map<String, Object> parameters = Map.of();
        for (String field; (field = JsonFormat.nextField(parser)) != null;) {
            switch (field) {
                case "name" -> name = JsonFormat.requireString(parser, "output 'name'");
                case "parameters" -> parameters = JsonFormat.readParameters(parser, "output");
                default -> parser.skipChildren();
            }
        }
        if (name == null) {
            throw GantryException.invalidArgument("a requested output has no 'name'");
        }
        return new RequestedOutput(name, parameters);
    }

    /** Rejects negative dims, overflow and tensors above the server's element limit. */
    public static void checkElements(String name, long[] shape, long maxElements) {
        long elements = Tensor.elementCount(name, shape);
        if (elements > maxElements) {
            throw GantryException.invalidArgument("input '%s' has %d elements; this server accepts at most %d per"
                    + " tensor", name, elements, maxElements);
        }
    }
}
