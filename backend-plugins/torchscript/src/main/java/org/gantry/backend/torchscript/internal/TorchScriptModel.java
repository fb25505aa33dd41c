package org.gantry.backend.torchscript.internal;

import java.util.ArrayList;
import java.util.List;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.Tensor;

import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

/**
 * One loaded TorchScript module. Requests run concurrently: each gets its own NDManager, so every native
 * tensor it creates (inputs, outputs, intermediates handed back) is freed when the request ends.
 */
final class TorchScriptModel implements LoadedModel {

    private final ModelConfig config;
    private final Model model;
    private final List<String> inputOrder;
    private final List<String> outputOrder;
    private final long footprint;

    TorchScriptModel(ModelConfig config, Model model, List<String> inputOrder, List<String> outputOrder,
            long storedTensorBytes) {
        this.config = config;
        this.model = model;
        this.inputOrder = inputOrder;
        this.outputOrder = outputOrder;
        this.footprint = Math.max(parameterBytes(model.getBlock()), storedTensorBytes);
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList inputs = new NDList(inputOrder.size());
            for (String name : inputOrder) {
                Tensor input = request.input(name);
                if (input == null) { // an optional input left out: TorchScript takes positional arguments only
                    throw GantryException.invalidArgument("model '%s' needs input '%s': TorchScript takes every"
                            + " argument of forward()", config.name(), name);
                }
                inputs.add(TensorConversions.toNDArray(manager, input));
            }
            NDList results = model.getBlock().forward(new ParameterStore(manager, false), inputs, false);
            return outputs(results);
        } catch (EngineException e) {
            // libtorch rejects what does not fit the module (e.g. a wrong inner shape): the caller's input.
            throw GantryException.invalidArgument("model '%s' rejected the input: %s", config.name(),
                    TorchScriptBackend.firstLine(e.getMessage()));
        }
    }

    private List<Tensor> outputs(NDList results) {
        if (results.size() < outputOrder.size()) {
            throw GantryException.internal(String.format("model '%s' returned %d tensors but config.pbtxt declares %d"
                    + " outputs", config.name(), results.size(), outputOrder.size()), null);
        }
        List<Tensor> outputs = new ArrayList<>(outputOrder.size());
        for (int i = 0; i < outputOrder.size(); i++) {
            String name = outputOrder.get(i);
            NDArray result = results.get(i);
            Tensor output = TensorConversions.toTensor(name, result);
            TensorConfig declared = config.output(name).orElseThrow();
            if (output.dataType() != declared.dataType()) {
                throw GantryException.internal(String.format("model '%s' returned %s for output '%s' but config.pbtxt"
                        + " declares %s", config.name(), output.dataType(), name, declared.dataType()), null);
            }
            outputs.add(output);
        }
        return outputs;
    }

    /** Parameters, buffers and constants: the engine's parameter list or the archive's stored tensors. */
    @Override
    public long footprintBytes() {
        return footprint;
    }

    @Override
    public void close() {
        model.close();
    }

    /** Bytes of the module's parameters as the engine holds them. */
    private static long parameterBytes(Block block) {
        long bytes = 0;
        for (Pair<String, Parameter> parameter : block.getParameters()) {
            NDArray array = parameter.getValue().getArray();
            bytes += array.size() * array.getDataType().getNumOfBytes();
        }
        return bytes;
    }
}
