package org.gantry.rest.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.server.ModelServer;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.protocol.kserve.BinaryExtension;
import org.gantry.protocol.kserve.RequestReader;
import org.gantry.protocol.kserve.ResponseWriter;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * An inference over HTTP as KServe v2 with Triton's binary tensor extension defines it, shared by the KServe and
 * SageMaker endpoints: a JSON body, a JSON header followed by binary tensors, or (header length 0) the raw bytes
 * of a single-input model's only input, answered in binary.
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
            return readRaw(server.config(model, version), body, maxElements);
        }
        return RequestReader.readRequest(body, jsonLength, maxElements);
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
     * Triton's raw binary request: the whole body is the data of the model's only input, for a batch of one (the
     * body says nothing of batches), shaped by the input's configured dims. Fixed-size data may leave one dimension
     * variable, which its size then gives; a BYTES body is one element, its bytes as they are. Every output is
     * answered in binary, as the extension says.
     */
    static InferenceRequest readRaw(ModelConfig config, InputStream body, long maxElements) {
        if (config.inputs().size() != 1) {
            throw GantryException.invalidArgument("a raw binary body (%s: 0) needs a model with exactly one input;"
                    + " model '%s' has %d", HEADER_LENGTH, config.name(), config.inputs().size());
        }
        TensorConfig input = config.inputs().get(0);
        byte[] data;
        try {
            data = body.readAllBytes();
        } catch (IOException e) {
            throw GantryException.invalidArgument("could not read the request body: %s", e.getMessage());
        }
        DataType type = input.dataType();
        long[] dims;
        if (type == DataType.BYTES) {
            dims = oneElement(config, input);
            data = ByteBuffer.allocate(4 + data.length).order(ByteOrder.LITTLE_ENDIAN).putInt(data.length).put(data)
                    .array();
        } else if (data.length % type.byteSize() != 0) {
            throw GantryException.invalidArgument("input '%s': %d raw bytes are not a whole number of %s elements",
                    input.name(), data.length, type);
        } else {
            dims = deduceDims(config, input, data.length / type.byteSize());
        }
        long[] shape = dims;
        if (config.batched()) {
            shape = new long[dims.length + 1];
            shape[0] = 1;
            System.arraycopy(dims, 0, shape, 1, dims.length);
        }
        RequestReader.checkElements(input.name(), shape, maxElements);
        return new InferenceRequest(null, Map.of(BinaryExtension.BINARY_DATA_OUTPUT, true),
                List.of(BinaryExtension.tensorFromRaw(input.name(), type, shape, data)), List.of());
    }

    /** A raw BYTES body is a single element: every dimension must be (or may be) 1. */
    private static long[] oneElement(ModelConfig config, TensorConfig input) {
        long[] dims = input.dims().stream().mapToLong(Long::longValue).toArray();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != 1 && dims[i] != -1) {
                throw GantryException.invalidArgument("a raw binary body is one BYTES element, but input '%s' of"
                        + " model '%s' has dims %s", input.name(), config.name(), input.dims());
            }
            dims[i] = 1;
        }
        return dims;
    }

    /** The configured dims, with the one variable dimension (if any) taken from the element count. */
    private static long[] deduceDims(ModelConfig config, TensorConfig input, long elements) {
        long[] dims = input.dims().stream().mapToLong(Long::longValue).toArray();
        int variable = -1;
        long fixed = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0) {
                fixed *= dims[i];
            } else if (variable < 0) {
                variable = i;
            } else {
                throw GantryException.invalidArgument("a raw binary body cannot give the shape of input '%s' of model"
                        + " '%s': its dims %s have more than one variable dimension", input.name(), config.name(),
                        input.dims());
            }
        }
        if (variable >= 0 && fixed > 0 && elements % fixed == 0) {
            dims[variable] = elements / fixed;
            return dims;
        }
        if (variable < 0 && fixed == elements) {
            return dims;
        }
        throw GantryException.invalidArgument("input '%s': %d raw elements do not fit its dims %s%s", input.name(),
                elements, input.dims(), config.batched() ? " (a raw body is a batch of one)" : "");
    }

    /**
     * An inference's answer, ready for any HTTP layer: JSON with data inline, or Triton's binary form when outputs
     * are asked for as binary data. Small answers are encoded at once ({@code bytes}), so they go out in one write
     * with a Content-Length; large ones are written as they are sent.
     *
     * @param mediaType    the content type
     * @param headerLength the JSON header's length in the binary form, or -1 for a JSON body
     * @param length       the body's length, or -1 when it is streamed without one
     * @param bytes        the whole body when it was encoded at once, else null
     * @param writer       writes the body when {@code bytes} is null
     */
    record Answer(String mediaType, int headerLength, long length, byte[] bytes, StreamingOutput writer) {

        void writeTo(OutputStream out) throws IOException {
            if (bytes != null) {
                out.write(bytes);
            } else {
                writer.write(out);
            }
        }

        /** The answer as JAX-RS sends it. */
        Response toResponse() {
            Response.ResponseBuilder response = Response.ok(bytes != null ? bytes : writer, mediaType);
            if (headerLength >= 0) {
                response.header(HEADER_LENGTH, headerLength);
            }
            if (length >= 0) {
                response.header("Content-Length", length);
            }
            return response.build();
        }
    }

    /** JSON with data inline, or Triton's binary form when outputs are asked for as binary data. */
    static Response respond(InferenceRequest request, InferenceResponse response) {
        return answer(request, response).toResponse();
    }

    static Answer answer(InferenceRequest request, InferenceResponse response) {
        Set<String> binary = BinaryExtension.binaryOutputs(request, response.outputs());
        if (binary.isEmpty()) {
            long outputBytes = response.outputs().stream().mapToLong(Tensor::byteSize).sum();
            if (outputBytes > BUFFERED_RESPONSE_BYTES) { // large: stream it rather than hold its text in memory
                return new Answer(MediaType.APPLICATION_JSON, -1, -1, null,
                        out -> ResponseWriter.writeResponse(response, out));
            }
            // Small: one write with a Content-Length is cheaper for server and client than a chunked stream.
            ByteArrayOutputStream json = new ByteArrayOutputStream(256 + (int) outputBytes * 4);
            writeInMemory(() -> ResponseWriter.writeResponse(response, json));
            return new Answer(MediaType.APPLICATION_JSON, -1, json.size(), json.toByteArray(), null);
        }
        long binaryBytes = 0;
        for (Tensor output : response.outputs()) {
            if (binary.contains(output.name())) {
                binaryBytes += output.byteSize();
            }
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream(256);
        writeInMemory(() -> ResponseWriter.writeResponse(response, header, binary));
        int headerLength = header.size();
        if (binaryBytes <= BUFFERED_RESPONSE_BYTES) {
            // Header and tensors in one buffer: one write, as the JSON answer, never a flush in between.
            writeInMemory(() -> BinaryExtension.writeBinaryData(response, binary, header));
            return new Answer(MediaType.APPLICATION_OCTET_STREAM, headerLength, header.size(), header.toByteArray(),
                    null);
        }
        byte[] json = header.toByteArray();
        return new Answer(MediaType.APPLICATION_OCTET_STREAM, headerLength, headerLength + binaryBytes, null, out -> {
            out.write(json);
            BinaryExtension.writeBinaryData(response, binary, out);
        });
    }

    /** Writing to a ByteArrayOutputStream: an IOException there is a bug, not a client's doing. */
    private interface InMemory {
        void write() throws IOException;
    }

    private static void writeInMemory(InMemory write) {
        try {
            write.write();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
    }
}
