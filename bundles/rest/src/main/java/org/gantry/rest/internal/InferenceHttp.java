package org.gantry.rest.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.server.ModelMetadata;
import org.gantry.api.server.ModelServer;
import org.gantry.api.server.TensorMetadata;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * An inference over HTTP as KServe v2 with Triton's binary tensor extension defines it, shared by the KServe and
 * SageMaker endpoints: a JSON body, a JSON header followed by binary tensors, or (header length 0) the raw bytes
 * of a single-input model's only input.
 */
final class InferenceHttp {

    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    /** Responses whose tensors hold at most this many bytes are sent in one piece. */
    private static final long BUFFERED_RESPONSE_BYTES = 256 * 1024;

    private InferenceHttp() {
    }

    static InferenceRequest read(ModelServer server, String model, String version, String headerLength,
            InputStream body, long maxElements) {
        long jsonLength = parseHeaderLength(headerLength);
        if (jsonLength == 0) {
            return readRaw(server.metadata(model, version), body, maxElements);
        }
        return InferenceJson.readRequest(body, jsonLength, maxElements);
    }

    private static long parseHeaderLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            long length = Long.parseLong(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GantryException.invalidArgument("%s must be a non-negative integer, not '%s'", HEADER_LENGTH, value);
    }

    /**
     * The whole body is the data of the model's only input; its shape is the configured one, with the variable
     * dimension (the batch dimension for batched models) taken from the data's size.
     */
    static InferenceRequest readRaw(ModelMetadata metadata, InputStream body, long maxElements) {
        if (metadata.inputs().size() != 1) {
            throw GantryException.invalidArgument("a raw binary body (%s: 0) needs a model with exactly one input;"
                    + " model '%s' has %d", HEADER_LENGTH, metadata.name(), metadata.inputs().size());
        }
        TensorMetadata input = metadata.inputs().get(0);
        byte[] data;
        try {
            data = body.readAllBytes();
        } catch (IOException e) {
            throw GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
        }
        DataType type = input.dataType();
        long elements;
        if (type == DataType.BYTES) {
            elements = InferenceJson.countBytesElements(input.name(), ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
        } else if (data.length % type.byteSize() != 0) {
            throw GantryException.invalidArgument("input '%s': %d raw bytes are not a whole number of %s elements",
                    input.name(), data.length, type);
        } else {
            elements = data.length / type.byteSize();
        }
        long[] shape = inferShape(input, elements);
        InferenceJson.checkElements(input.name(), shape, maxElements);
        return InferenceRequest.of(java.util.List.of(InferenceJson.tensorFromRaw(input.name(), type, shape, data)));
    }

    private static long[] inferShape(TensorMetadata input, long elements) {
        long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
        int variable = -1;
        long fixed = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0) {
                fixed *= shape[i];
            } else if (variable < 0) {
                variable = i;
            } else {
                shape[i] = 1; // beyond the first variable dimension, raw data cannot tell: take 1
            }
        }
        if (variable >= 0 && fixed > 0 && elements % fixed == 0) {
            shape[variable] = elements / fixed;
            return shape;
        }
        if (variable < 0 && fixed == elements) {
            return shape;
        }
        throw GantryException.invalidArgument("input '%s': %d raw elements do not fit its shape %s", input.name(),
                elements, input.shape());
    }

    /** JSON with data inline, or Triton's binary form when outputs are asked for as binary data. */
    static Response respond(InferenceRequest request, InferenceResponse response) {
        Set<String> binary = InferenceJson.binaryOutputs(request, response.outputs());
        if (binary.isEmpty()) {
            long outputBytes = response.outputs().stream().mapToLong(Tensor::byteSize).sum();
            if (outputBytes > BUFFERED_RESPONSE_BYTES) { // large: stream it rather than hold its text in memory
                StreamingOutput json = out -> InferenceJson.writeResponse(response, out);
                return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
            }
            // Small: one write with a Content-Length is cheaper for server and client than a chunked stream.
            ByteArrayOutputStream json = new ByteArrayOutputStream(256 + (int) outputBytes * 4);
            try {
                InferenceJson.writeResponse(response, json);
            } catch (IOException e) {
                throw new IllegalStateException("writing to memory failed", e);
            }
            return Response.ok(json.toByteArray(), MediaType.APPLICATION_JSON_TYPE).build();
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        long binaryBytes = 0;
        try {
            InferenceJson.writeResponse(response, header, binary);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        for (Tensor output : response.outputs()) {
            if (binary.contains(output.name())) {
                binaryBytes += output.byteSize();
            }
        }
        byte[] json = header.toByteArray();
        StreamingOutput body = out -> {
            out.write(json);
            InferenceJson.writeBinaryData(response, binary, out);
        };
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(HEADER_LENGTH, json.length)
                .header("Content-Length", json.length + binaryBytes)
                .build();
    }
}
