package org.gantry.backend.torchscript.internal;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
 * One TorchScript module loaded by DJL. Each request gets its own NDManager, so every native tensor it creates
 * (inputs, outputs, intermediates handed back) is freed when the request ends. Requests run on the model's own
 * engine thread, one at a time: libtorch's OpenMP keeps a thread team per calling thread, and teams that earlier
 * request threads leave spinning slow the current one down (measured with the MiniLM encoder at batch 32 on two
 * cores: 191 ms a request from the request threads, 176 ms on one engine thread).
 */
final class TorchScriptModel implements LoadedModel {

    private final ForwardSignature signature;
    private final Model model;
    private final long footprint;
    private final ExecutorService engineThread;

    TorchScriptModel(ForwardSignature signature, Model model, long storedTensorBytes) {
        this.signature = signature;
        this.model = model;
        this.footprint = Math.max(parameterBytes(model.getBlock()), storedTensorBytes);
        // One thread, ended after a minute without requests: hundreds of resident models hold no idle threads.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "gantry-torchscript-" + model.getName());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        this.engineThread = executor;
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        try {
            return engineThread.submit(() -> forward(request)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GantryException.unavailable("interrupted while model '%s' ran", signature.modelName());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw GantryException.internal("model '" + signature.modelName() + "' failed: " + e.getCause(),
                    e.getCause());
        }
    }

    private List<Tensor> forward(InferenceRequest request) {
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
        engineThread.shutdown();
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
