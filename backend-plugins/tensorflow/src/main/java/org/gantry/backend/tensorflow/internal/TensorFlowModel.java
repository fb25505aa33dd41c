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
import org.tensorflow.SessionFunction;
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

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        Map<String, org.tensorflow.Tensor> feeds = new LinkedHashMap<>();
        try {
            for (Tensor input : request.inputs()) {
                feeds.put(input.name(), toTensorFlow(input));
            }
            try (Result result = function.call(feeds)) {
                List<Tensor> outputs = new ArrayList<>(config.outputs().size());
                for (TensorConfig output : config.outputs()) {
                    org.tensorflow.Tensor produced = result.get(output.name()).orElseThrow(() -> GantryException
                            .internal("the SavedModel did not produce output '" + output.name() + "'", null));
                    outputs.add(fromTensorFlow(output.name(), produced));
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
