package org.gantry.backend.torchscript.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.gantry.api.backend.Device;
import org.gantry.api.backend.HostTierable;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TorchScript module on Gantry's libtorch engine, on the CPU or a GPU. The only class of this bundle that
 * names the engine's types: the bundle imports them optionally, so it resolves and serves DJL models without the
 * {@code org.gantry.engine.libtorch} bundle, and this class is loaded only when a model asks for that engine.
 * Evicted from a GPU, its weights can wait in pinned host memory ({@link HostTierable}): the module object stays,
 * so coming back is a copy, not a load.
 */
final class LibTorchModel implements LoadedModel, HostTierable {

    private static final Logger LOG = LoggerFactory.getLogger(LibTorchModel.class);

    private final ForwardSignature signature;
    private final LibTorchEngine engine;
    private final LibTorchModule module;
    private final long footprint;
    /** Where the weights are: the device loaded onto, the host while in the host tier, or where restored. */
    private volatile Device device;

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
                            signature.modelName(), version, file, device,
                            TorchScriptBackend.firstLine(e.getMessage())));
        }
        try {
            return new LibTorchModel(signature, libtorch, module, device);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /**
     * Loads and runs a small linear module once on the CPU and on every GPU, so that libtorch's and CUDA's one-time
     * start (interpreter, CUDA context, cuBLAS, kernels) happens now and is not counted as the first model's cold
     * start. The module has parameters: one without any would stay on the CPU and never touch the GPU.
     */
    static void warmUp(Object engine) {
        LibTorchEngine libtorch = (LibTorchEngine) engine;
        Path file = null;
        try {
            file = Files.createTempFile("gantry-warmup", ".pt");
            try (InputStream archive = TorchScriptBackend.class.getResourceAsStream("warmup-linear.pt")) {
                Files.copy(archive, file, StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> devices = new ArrayList<>(List.of("cpu"));
            for (int gpu = 0; libtorch.cudaAvailable() && gpu < libtorch.cudaDeviceCount(); gpu++) {
                devices.add("cuda:" + gpu);
            }
            ByteBuffer row = ByteBuffer.allocateDirect(3 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (String device : devices) {
                try (LibTorchModule module = libtorch.load(file, device)) {
                    module.forward(List.of(NativeTensor.of(NativeDataType.FP32, new long[] { 1, 3 }, row)));
                }
            }
            LOG.info("libtorch warmed up on {}", devices);
            if (devices.size() > 1) {
                libtorch.emptyCache();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("libtorch warm-up failed; the first model's cold start includes libtorch's start: {}",
                    e.toString());
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
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
                (name, result) -> Tensor.of(name, DataType.valueOf(result.type().name()), result.shape(),
                        result.data()));
    }

    /** The module's parameters and buffers on its device, as libtorch reports them. */
    @Override
    public long footprintBytes() {
        return footprint;
    }

    /** Moves the weights into pinned host memory and gives the GPU's cached blocks back to the driver. */
    @Override
    public long offloadToHost() {
        Device left = device;
        long moved = move(Device.CPU);
        if (left.kind() == Device.Kind.GPU) {
            engine.emptyCache();
        }
        return moved;
    }

    @Override
    public void restore(Device target) {
        move(target);
    }

    private long move(Device target) {
        try {
            long moved = module.moveTo(target.name());
            device = target;
            return moved;
        } catch (LibTorchException e) {
            throw new GantryException(e.outOfMemory() ? ErrorKind.INSUFFICIENT_MEMORY : ErrorKind.INTERNAL,
                    String.format("model '%s' could not move from %s to %s: %s", signature.modelName(), device,
                            target, TorchScriptBackend.firstLine(e.getMessage())));
        }
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
