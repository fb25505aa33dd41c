package org.gantry.backend.tensorflow.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.ndarray.NdArray;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;

/**
 * One loaded SavedModel signature. Every TensorFlow tensor a request creates is closed when the request ends;
 * closing the model closes its session and graph.
 */
final class TensorFlowModel implements LoadedModel {

    private final SavedModelBundle bundle;
    private final SessionFunction function;
    private final ModelConfig config;
    private final long footprint;

    TensorFlowModel(SavedModelBundle bundle, SessionFunction function, ModelConfig config, long footprint) {
        this.bundle = bundle;
        this.function = function;
        this.config = config;
        this.footprint = footprint;
    }

    /**
     * Feeds the request's inputs and fetches the configured outputs through the signature's tensor names. The
     * session runs directly rather than through {@link SessionFunction#call}, which demands every signature input:
     * an input declared {@code optional} may be left out, and the graph then uses its default (a
     * {@code placeholder_with_default}), as Triton's TensorFlow backend does.
     */
    @Override
    public List<Tensor> infer(InferenceRequest request) {
        Map<String, org.tensorflow.Tensor> feeds = new LinkedHashMap<>();
        try {
            Session.Runner runner = function.session().runner();
            for (Tensor input : request.inputs()) {
                org.tensorflow.Tensor fed = toTensorFlow(input);
                feeds.put(input.name(), fed);
                runner.feed(described(function.signature().getInputs(), input.name(), "input").name, fed);
            }
            for (TensorConfig output : config.outputs()) {
                runner.fetch(described(function.signature().getOutputs(), output.name(), "output").name);
            }
            try (Result result = runner.run()) {
                List<Tensor> outputs = new ArrayList<>(config.outputs().size());
                for (int i = 0; i < config.outputs().size(); i++) {
                    outputs.add(fromTensorFlow(config.outputs().get(i).name(), result.get(i)));
                }
                return outputs;
            }
        } catch (TFResourceExhaustedException e) {
            throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format("TensorFlow ran out of memory"
                    + " running model '%s': %s", config.name(), e.getMessage()), e);
        } catch (IllegalArgumentException | TFOutOfRangeException e) { // TF's invalid-argument status
            throw GantryException.invalidArgument("TensorFlow rejected the request for model '%s': %s", config.name(),
                    e.getMessage());
        } finally {
            feeds.values().forEach(org.tensorflow.Tensor::close);
        }
    }

    /** A tensor of the signature by its key; the configuration was checked against the signature at load. */
    private static Signature.TensorDescription described(Map<String, Signature.TensorDescription> tensors, String name,
            String kind) {
        Signature.TensorDescription found = tensors.get(name);
        if (found == null) {
            throw GantryException.internal("the SavedModel's signature has no " + kind + " '" + name + "'", null);
        }
        return found;
    }

    private static org.tensorflow.Tensor toTensorFlow(Tensor input) {
        Shape shape = Shape.of(input.shape());
        if (input.dataType() == DataType.BYTES) {
            byte[][] elements = input.bytesElements().stream().map(element -> {
                byte[] bytes = new byte[element.remaining()];
                element.get(bytes);
                return bytes;
            }).toArray(byte[][]::new);
            NdArray<byte[]> values = NdArrays.wrap(shape, DataBuffers.ofObjects(elements));
            return TString.tensorOfBytes(values);
        }
        byte[] data = new byte[input.byteSize()];
        input.data().get(data);
        return org.tensorflow.Tensor.of(TensorFlowTypes.tensorClass(input.dataType(), input.name()), shape,
                DataBuffers.of(data, true, false));
    }

    private static Tensor fromTensorFlow(String name, org.tensorflow.Tensor tensor) {
        DataType type = TensorFlowTypes.toKServe(tensor.dataType(), name);
        long[] shape = tensor.shape().asArray();
        if (type == DataType.BYTES) {
            List<byte[]> values = new ArrayList<>();
            ((TString) tensor).asBytes().scalars().forEach(scalar -> values.add(scalar.getObject()));
            return Tensor.ofBytes(name, shape, values);
        }
        byte[] data = new byte[(int) tensor.numBytes()];
        tensor.asRawTensor().data().read(data);
        return Tensor.of(name, type, shape, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public long footprintBytes() {
        return footprint;
    }

    @Override
    public void close() {
        bundle.close();
    }
}
