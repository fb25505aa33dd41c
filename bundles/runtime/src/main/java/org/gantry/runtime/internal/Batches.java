package org.gantry.runtime.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

/**
 * Stacks requests of one shape along the batch dimension and splits a batch's outputs back, as Triton's dynamic
 * batcher does. Requests stack when every input has the same name, datatype and dimensions after the first.
 */
final class Batches {

    private Batches() {
    }

    /** Identifies requests that can be stacked: input names, datatypes and dimensions beyond the batch one. */
    record ShapeKey(List<String> inputs) {
    }

    static ShapeKey shapeKey(InferenceRequest request) {
        List<String> inputs = new ArrayList<>(request.inputs().size());
        for (Tensor input : request.inputs()) {
            long[] shape = input.shape();
            inputs.add(input.name() + ":" + input.dataType() + ":"
                    + Arrays.toString(Arrays.copyOfRange(shape, Math.min(1, shape.length), shape.length)));
        }
        return new ShapeKey(inputs);
    }

    /** One request whose inputs are those of {@code requests}, stacked in order along the first dimension. */
    static InferenceRequest stack(List<InferenceRequest> requests) {
        InferenceRequest first = requests.get(0);
        List<Tensor> stacked = new ArrayList<>(first.inputs().size());
        for (int i = 0; i < first.inputs().size(); i++) {
            Tensor model = first.inputs().get(i);
            long rows = 0;
            int bytes = 0;
            for (InferenceRequest request : requests) {
                Tensor input = request.inputs().get(i);
                rows += input.dim(0);
                bytes += input.byteSize();
            }
            ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (InferenceRequest request : requests) {
                data.put(request.inputs().get(i).data());
            }
            long[] shape = model.shape().clone();
            shape[0] = rows;
            stacked.add(Tensor.of(model.name(), model.dataType(), shape, data.flip()));
        }
        return new InferenceRequest(null, first.parameters(), stacked, first.outputs());
    }

    /**
     * Splits each output of a stacked execution into the rows of each request.
     *
     * @param rows the batch size of each request, in stacking order
     */
    static List<List<Tensor>> split(List<Tensor> outputs, long[] rows) {
        long total = Arrays.stream(rows).sum();
        List<List<Tensor>> perRequest = new ArrayList<>(rows.length);
        for (int r = 0; r < rows.length; r++) {
            perRequest.add(new ArrayList<>(outputs.size()));
        }
        for (Tensor output : outputs) {
            if (output.rank() == 0 || output.dim(0) != total) {
                throw GantryException.internal(String.format("output '%s' has shape %s, but a batch of %d rows"
                        + " needs its first dimension to be %d: the model does not batch this output", output.name(),
                        Arrays.toString(output.shape()), total, total), null);
            }
            long perRow = total == 0 ? 0 : output.elementCount() / total;
            List<ByteBuffer> elements = output.dataType() == DataType.BYTES ? output.bytesElements() : null;
            ByteBuffer data = output.data();
            int elementIndex = 0;
            for (int r = 0; r < rows.length; r++) {
                long[] shape = output.shape().clone();
                shape[0] = rows[r];
                Tensor part;
                if (elements == null) {
                    int length = (int) (rows[r] * perRow * output.dataType().byteSize());
                    ByteBuffer slice = data.slice(data.position(), length).order(ByteOrder.LITTLE_ENDIAN);
                    data.position(data.position() + length);
                    part = Tensor.of(output.name(), output.dataType(), shape, slice);
                } else {
                    int count = (int) (rows[r] * perRow);
                    List<byte[]> values = new ArrayList<>(count);
                    for (int k = 0; k < count; k++) {
                        ByteBuffer element = elements.get(elementIndex++);
                        byte[] value = new byte[element.remaining()];
                        element.get(value);
                        values.add(value);
                    }
                    part = Tensor.ofBytes(output.name(), shape, values);
                }
                perRequest.get(r).add(part);
            }
        }
        return perRequest;
    }
}
