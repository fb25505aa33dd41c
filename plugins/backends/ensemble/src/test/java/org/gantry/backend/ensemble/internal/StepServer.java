package org.gantry.backend.ensemble.internal;

import static org.gantry.test.support.TestTensors.floats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.inference.RequestedOutput;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.test.support.TestTensors;

/**
 * The part of a server an ensemble uses (configurations and inference), over step models that are plain Java
 * functions, so the plan and its execution are tested alone; the real runtime runs them in the OSGi and
 * end-to-end tests.
 */
final class StepServer implements ModelInvoker {

    record StepModel(ModelConfig config, Function<InferenceRequest, List<Tensor>> function) {
    }

    final Map<String, StepModel> models = new ConcurrentHashMap<>();
    /** Model names in the order their requests started, with the thread that ran them. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<InferenceRequest> requests = new CopyOnWriteArrayList<>();

    void add(ModelConfig config, Function<InferenceRequest, List<Tensor>> function) {
        models.put(config.name(), new StepModel(config, function));
    }

    /** A model of FP32 tensors: outputs[i] = f_i(inputs), dims [-1], not batched. */
    void addFloatModel(String name, List<String> inputs, List<String> outputs,
            Function<float[][], float[][]> function) {
        add(config(name, "pytorch_libtorch", inputs, outputs), request -> {
            float[][] values = new float[inputs.size()][];
            for (int i = 0; i < inputs.size(); i++) {
                values[i] = floats(request.input(inputs.get(i)));
            }
            float[][] results = function.apply(values);
            List<Tensor> produced = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                produced.add(fp32(outputs.get(i), results[i]));
            }
            return produced;
        });
    }

    static ModelConfig config(String name, String platform, List<String> inputs, List<String> outputs) {
        return new ModelConfig(name, platform, "", 0,
                inputs.stream().map(n -> new TensorConfig(n, DataType.FP32, List.of(-1L))).toList(),
                outputs.stream().map(n -> new TensorConfig(n, DataType.FP32, List.of(-1L))).toList(), null, null,
                null, null);
    }

    static ModelConfig ensemble(String name, List<String> inputs, List<String> outputs, Map<String, String> parameters,
            EnsembleStep... steps) {
        return new ModelConfig(name, "ensemble", "", 0,
                inputs.stream().map(n -> new TensorConfig(n, DataType.FP32, List.of(-1L))).toList(),
                outputs.stream().map(n -> new TensorConfig(n, DataType.FP32, List.of(-1L))).toList(), null, null,
                parameters, null, null, List.of(steps));
    }

    static EnsembleStep step(String model, Map<String, String> inputMap, Map<String, String> outputMap) {
        return new EnsembleStep(model, -1, inputMap, outputMap);
    }

    /** A tensor of one dimension holding {@code values}. */
    static Tensor fp32(String name, float... values) {
        return TestTensors.fp32(name, new long[] { values.length }, values);
    }

    EnsemblePlan.Catalog catalog(java.util.Set<String> installedBackends) {
        return new EnsemblePlan.Catalog() {
            @Override
            public ModelConfig config(String model, String version) {
                return StepServer.this.config(model, version);
            }

            @Override
            public String missingBackend(ModelConfig config) {
                String wanted = config.backend().isEmpty() ? config.platform() : config.backend();
                return installedBackends.contains(wanted) ? null : "no backend or processor named '" + wanted + "'";
            }
        };
    }

    @Override
    public ModelConfig config(String modelName, String version) {
        StepModel model = models.get(modelName);
        if (model == null) {
            throw GantryException.notFound("unknown model '%s'", modelName);
        }
        return model.config();
    }

    /** Not asked here: the plan asks {@link #catalog}, which says which backends these tests install. */
    @Override
    public java.util.Optional<String> backendFor(ModelConfig config) {
        throw new UnsupportedOperationException("the ensemble plan asks its catalog");
    }

    @Override
    public InferenceResponse infer(String modelName, String version, InferenceRequest request) {
        StepModel model = models.get(modelName);
        if (model == null) {
            throw GantryException.notFound("unknown model '%s'", modelName);
        }
        calls.add(modelName);
        requests.add(request);
        List<Tensor> outputs = model.function().apply(request);
        List<String> wanted = request.outputs().stream().map(RequestedOutput::name).toList();
        return new InferenceResponse(modelName, "1", request.id(), Map.of(),
                wanted.isEmpty() ? outputs : outputs.stream().filter(t -> wanted.contains(t.name())).toList());
    }

    @Override
    public void inferStream(String modelName, String version, InferenceRequest request,
            Consumer<InferenceResponse> responses) {
        responses.accept(infer(modelName, version, request));
    }

}
