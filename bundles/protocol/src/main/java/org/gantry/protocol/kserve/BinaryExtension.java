package org.gantry.protocol.kserve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/**
 * The layout of Triton's binary tensor data extension: a JSON header whose inputs and outputs give a
 * {@code binary_data_size} instead of data, followed by their raw little-endian bytes in the header's order.
 */
public final class BinaryExtension {

    /** The parameter of an input or output whose data follows the JSON header, in bytes. */
    public static final String BINARY_DATA_SIZE = "binary_data_size";
    /** The parameter of a requested output that asks for (true) or refuses (false) its data in binary. */
    public static final String BINARY_DATA = "binary_data";
    /** The request parameter that asks for every output in binary, unless an output says otherwise. */
    public static final String BINARY_DATA_OUTPUT = "binary_data_output";
    /** The piece in which binary outputs are copied to the response. */
    private static final int BINARY_CHUNK = 64 * 1024;

    private BinaryExtension() {
    }

    /** The raw data of an input that gave a {@code binary_data_size}, read from the body after the JSON header. */
    static Tensor readBinary(InputStream body, InputReader.Entry input, long headerLength) throws IOException {
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
    public static Tensor tensorFromRaw(String name, DataType dataType, long[] shape, byte[] data) {
        return Tensor.of(name, dataType, shape, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * The outputs to send as binary data: those whose requested-output parameter {@code binary_data} is true, or
     * every output when the request parameter {@code binary_data_output} is true (unless an output says false).
     */
    public static Set<String> binaryOutputs(InferenceRequest request, List<Tensor> outputs) {
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
        throw GantryException.invalidArgument("parameter '%s' of the %s must be a boolean, not '%s'", name, owner,
                value);
    }

    /** The raw data of the binary outputs, in response order, as Triton's binary extension sends them. */
    public static void writeBinaryData(InferenceResponse response, Set<String> binaryOutputs, OutputStream out)
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
}
