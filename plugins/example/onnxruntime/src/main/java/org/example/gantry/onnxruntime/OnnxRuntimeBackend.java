package org.example.gantry.onnxruntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.osgi.service.component.annotations.Component;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * An ONNX Runtime backend written against Gantry's API bundle alone: Triton's platform {@code onnxruntime_onnx}
 * (backend {@code onnxruntime}), the model in {@code <version>/model.onnx}. Inputs and outputs missing from the
 * configuration are completed from the model's graph. Numeric tensors only.
 */
@Component(service = Backend.class)
public final class OnnxRuntimeBackend implements Backend {

    static final String MODEL_FILE = "model.onnx";

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("onnxruntime_onnx");
    }

    @Override
    public ModelConfig complete(ModelLoadContext context) {
        ModelConfig config = context.config();
        if (!config.inputs().isEmpty() && !config.outputs().isEmpty()) {
            return config;
        }
        try (OrtSession session = open(context)) {
            boolean batched = config.maxBatchSize() > 0;
            return config.withTensors(config.inputs().isEmpty() ? tensors(session.getInputInfo(), batched)
                    : config.inputs(), config.outputs().isEmpty() ? tensors(session.getOutputInfo(), batched)
                            : config.outputs());
        } catch (OrtException e) {
            throw GantryException.invalidArgument("model '%s': ONNX Runtime cannot read it: %s", config.name(),
                    e.getMessage());
        }
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        OrtSession session = open(context);
        return new OnnxModel(session, context.config());
    }

    private static OrtSession open(ModelLoadContext context) {
        Path file = context.resolveInVersion("default_model_filename", MODEL_FILE);
        if (!Files.isRegularFile(file)) {
            throw GantryException.invalidArgument("model '%s' version %d has no %s", context.config().name(),
                    context.version(), file);
        }
        try {
            return OrtEnvironment.getEnvironment().createSession(file.toString(), new OrtSession.SessionOptions());
        } catch (OrtException e) {
            throw GantryException.invalidArgument("model '%s' version %d: ONNX Runtime cannot load %s: %s",
                    context.config().name(), context.version(), file, e.getMessage());
        }
    }

    private static List<TensorConfig> tensors(Map<String, NodeInfo> nodes, boolean batched) {
        List<TensorConfig> tensors = new ArrayList<>();
        nodes.forEach((name, node) -> {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw GantryException.invalidArgument("'%s' is not a tensor; only tensors are served", name);
            }
            List<Long> dims = new ArrayList<>();
            long[] shape = info.getShape();
            for (int i = batched ? 1 : 0; i < shape.length; i++) {
                dims.add(shape[i] < 0 ? -1 : shape[i]);
            }
            tensors.add(new TensorConfig(name, dataType(info.type, name), dims));
        });
        return tensors;
    }

    /** The element types both sides know, one table read either way. */
    private static final Map<DataType, OnnxJavaType> ONNX_TYPES = Map.of(DataType.FP32, OnnxJavaType.FLOAT,
            DataType.FP64, OnnxJavaType.DOUBLE, DataType.INT8, OnnxJavaType.INT8, DataType.INT16, OnnxJavaType.INT16,
            DataType.INT32, OnnxJavaType.INT32, DataType.INT64, OnnxJavaType.INT64, DataType.UINT8,
            OnnxJavaType.UINT8, DataType.BOOL, OnnxJavaType.BOOL, DataType.FP16, OnnxJavaType.FLOAT16,
            DataType.BF16, OnnxJavaType.BFLOAT16);
    private static final Map<OnnxJavaType, DataType> DATA_TYPES = ONNX_TYPES.entrySet().stream()
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getValue, Map.Entry::getKey));

    static DataType dataType(OnnxJavaType type, String tensor) {
        DataType dataType = DATA_TYPES.get(type);
        if (dataType == null) {
            throw GantryException.invalidArgument("tensor '%s' has ONNX type %s, which this backend does not serve",
                    tensor, type);
        }
        return dataType;
    }

    static OnnxJavaType onnxType(DataType type, String tensor) {
        OnnxJavaType onnxType = ONNX_TYPES.get(type);
        if (onnxType == null) {
            throw GantryException.invalidArgument("input '%s' is %s, which this backend does not serve", tensor, type);
        }
        return onnxType;
    }

    /** One ONNX Runtime session; every tensor a request creates is closed when it ends. */
    private record OnnxModel(OrtSession session, ModelConfig config) implements LoadedModel {

        @Override
        public List<Tensor> infer(InferenceRequest request) {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            try {
                for (Tensor input : request.inputs()) {
                    ByteBuffer data = ByteBuffer.allocateDirect(input.byteSize()).order(ByteOrder.nativeOrder());
                    data.put(input.data()).flip();
                    feeds.put(input.name(), OnnxTensor.createTensor(environment, data, input.shape(),
                            onnxType(input.dataType(), input.name())));
                }
                try (OrtSession.Result result = session.run(feeds)) {
                    List<Tensor> outputs = new ArrayList<>();
                    for (TensorConfig output : config.outputs()) {
                        OnnxValue value = result.get(output.name()).orElseThrow(() -> GantryException.internal(
                                "the model did not produce output '" + output.name() + "'", null));
                        OnnxTensor tensor = (OnnxTensor) value;
                        TensorInfo info = tensor.getInfo();
                        outputs.add(Tensor.of(output.name(), dataType(info.type, output.name()), info.getShape(),
                                tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
                    }
                    return outputs;
                }
            } catch (OrtException e) {
                throw GantryException.invalidArgument("ONNX Runtime rejected the request for model '%s': %s",
                        config.name(), e.getMessage());
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing the ONNX Runtime session failed", e);
            }
        }
    }
}
