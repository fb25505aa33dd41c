package org.gantry.backend.torchscript.internal;

import java.util.List;

import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
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
 * One TorchScript module loaded by DJL. Requests run concurrently: each gets its own NDManager, so every native
 * tensor it creates (inputs, outputs, intermediates handed back) is freed when the request ends.
 */
final class TorchScriptModel implements LoadedModel {

    private final ForwardSignature signature;
    private final Model model;
    private final long footprint;

    TorchScriptModel(ForwardSignature signature, Model model, long storedTensorBytes) {
        this.signature = signature;
        this.model = model;
        this.footprint = Math.max(parameterBytes(model.getBlock()), storedTensorBytes);
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        List<Tensor> arguments = signature.arguments(request);
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList inputs = new NDList(arguments.size());
            for (Tensor argument : arguments) {
                inputs.add(TensorConversions.toNDArray(manager, argument));
            }
            NDList results = model.getBlock().forward(new ParameterStore(manager, false), inputs, false);
            return signature.outputs(results, TensorConversions::toTensor);
        } catch (EngineException e) {
            // libtorch rejects what does not fit the module (e.g. a wrong inner shape): the caller's input.
            throw GantryException.invalidArgument("model '%s' rejected the input: %s", signature.modelName(),
                    TorchScriptBackend.firstLine(e.getMessage()));
        }
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
