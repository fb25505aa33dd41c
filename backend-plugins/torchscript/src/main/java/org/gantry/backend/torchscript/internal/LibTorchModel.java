package org.gantry.backend.torchscript.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;
import org.gantry.engine.libtorch.LibTorchEngine;
import org.gantry.engine.libtorch.LibTorchException;
import org.gantry.engine.libtorch.LibTorchModule;
import org.gantry.engine.libtorch.NativeDataType;
import org.gantry.engine.libtorch.NativeTensor;

/**
 * One TorchScript module on Gantry's libtorch engine, on the CPU or a GPU. The only class of this bundle that
 * names the engine's types: the bundle imports them optionally, so it resolves and serves DJL models without the
 * {@code org.gantry.engine.libtorch} bundle, and this class is loaded only when a model asks for that engine.
 */
final class LibTorchModel implements LoadedModel {

    private final ForwardSignature signature;
    private final LibTorchEngine engine;
    private final LibTorchModule module;
    private final Device device;
    private final long footprint;

    private LibTorchModel(ForwardSignature signature, LibTorchEngine engine, LibTorchModule module, Device device) {
        this.signature = signature;
        this.engine = engine;
        this.module = module;
        this.device = device;
        this.footprint = module.bytes();
    }

    /**
     * Loads the file onto the device.
     *
     * @param engine the {@link LibTorchEngine} service
     */
    static LoadedModel load(ForwardSignature signature, Object engine, Path file, Device device, long version) {
        LibTorchEngine libtorch = (LibTorchEngine) engine;
        if (device.kind() == Device.Kind.GPU && !libtorch.cudaAvailable()) {
            throw GantryException.invalidArgument("model '%s' version %d was placed on %s but the libtorch engine (%s)"
                    + " sees no CUDA device: set nativeLibrary in org.gantry.engine.libtorch.cfg to a bridge built"
                    + " against a CUDA libtorch", signature.modelName(), version, device, libtorch.version());
        }
        LibTorchModule module;
        try {
            module = libtorch.load(file, device.name());
        } catch (LibTorchException e) {
            throw new GantryException(e.outOfMemory() ? ErrorKind.INSUFFICIENT_MEMORY : ErrorKind.INVALID_ARGUMENT,
                    String.format("model '%s' version %d: %s is not a loadable TorchScript model on %s: %s",
                            signature.modelName(), version, file, device, TorchScriptBackend.firstLine(e.getMessage())));
        }
        try {
            return new LibTorchModel(signature, libtorch, module, device);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /** Whether the engine service can place models on GPUs. */
    static boolean cudaAvailable(Object engine) {
        return ((LibTorchEngine) engine).cudaAvailable();
    }

    @Override
    public List<Tensor> infer(InferenceRequest request) {
        List<Tensor> arguments = signature.arguments(request);
        List<NativeTensor> inputs = new ArrayList<>(arguments.size());
        for (Tensor argument : arguments) {
            // The same little-endian bytes, not copied here: the bridge copies them once onto the device.
            inputs.add(NativeTensor.of(NativeDataType.forName(argument.dataType().name()), argument.shape(),
                    argument.data()));
        }
        List<NativeTensor> results;
        try {
            results = module.forward(inputs);
        } catch (LibTorchException e) {
            if (e.outOfMemory()) {
                throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format("model '%s' ran out of memory"
                        + " on %s: %s", signature.modelName(), device, TorchScriptBackend.firstLine(e.getMessage())));
            }
            throw GantryException.invalidArgument("model '%s' rejected the input: %s", signature.modelName(),
                    TorchScriptBackend.firstLine(e.getMessage()));
        }
        return signature.outputs(results,
                (name, result) -> Tensor.of(name, DataType.valueOf(result.type().name()), result.shape(), result.data()));
    }

    /** The module's parameters and buffers on its device, as libtorch reports them. */
    @Override
    public long footprintBytes() {
        return footprint;
    }

    /** Frees the module, then returns the CUDA caching allocator's free blocks so the device memory comes back. */
    @Override
    public void close() {
        module.close();
        if (device.kind() == Device.Kind.GPU) {
            engine.emptyCache();
        }
    }
}
