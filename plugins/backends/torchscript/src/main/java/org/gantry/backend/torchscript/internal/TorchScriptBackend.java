package org.gantry.backend.torchscript.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.Device;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.tensor.DataType;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves TorchScript models as Triton's PyTorch backend does: platform {@code pytorch_libtorch} or backend
 * {@code pytorch}, the model in {@code <version>/model.pt} (or {@code default_model_filename}), tensors passed
 * to {@code forward} in the order of the configuration (or of their {@code __<index>} suffixes).
 *
 * <p>Two engines, chosen per model by the configuration's parameter {@code engine}: {@code djl} (the default),
 * DJL's PyTorch engine that the {@code org.gantry.engine.pytorch} bundle publishes, on the CPU; or
 * {@code libtorch}, Gantry's own bridge over libtorch's C++ API that the {@code org.gantry.engine.libtorch} bundle
 * publishes, on the CPU or CUDA GPUs. This bundle never loads a native library itself, so it can be updated while
 * the server runs; the libtorch engine is optional (an optional import and an optional dynamic reference), and
 * only {@link LibTorchModel} names its types.
 */
@Component(service = Backend.class)
public final class TorchScriptBackend implements Backend {

    static final String DEFAULT_MODEL_FILE = "model.pt";
    static final String ENGINE_PARAMETER = "engine";
    static final String DJL = "djl";
    static final String LIBTORCH = "libtorch";
    static final String LIBTORCH_BUNDLE = "org.gantry.engine.libtorch";
    static final String DJL_BUNDLE = "org.gantry.engine.pytorch";
    /** What libtorch has tensors of (org.gantry.engine.libtorch.NativeDataType), named here to not load it. */
    static final Set<DataType> LIBTORCH_TYPES = EnumSet.of(DataType.BOOL, DataType.UINT8, DataType.INT8,
            DataType.INT16, DataType.INT32, DataType.INT64, DataType.FP16, DataType.BF16, DataType.FP32, DataType.FP64);
    private static final Logger LOG = LoggerFactory.getLogger(TorchScriptBackend.class);

    private final ComponentContext context;
    /** The engine services, or null; referenced by name so that this class loads neither engine's types. */
    private volatile Supplier<Object> djl = () -> null;
    private volatile Supplier<Object> libtorch = () -> null;

    @Activate
    public TorchScriptBackend(ComponentContext context) {
        this.context = context;
    }

    /** Outside OSGi (tests): the DJL engine and the libtorch engine, each may be null. */
    TorchScriptBackend(Object djlEngine, Object libtorchEngine) {
        this.context = null;
        this.djl = () -> djlEngine;
        this.libtorch = () -> libtorchEngine;
        if (djlEngine != null) {
            DjlModels.warmUp(djlEngine);
        }
    }

    @Reference(name = "djl", service = ai.djl.engine.Engine.class, target = "(djl.engine=PyTorch)",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindDjl")
    void bindDjl(ServiceReference<?> reference) {
        djl = warmedUp("djl", reference, DjlModels::warmUp);
    }

    void unbindDjl(ServiceReference<?> reference) {
        djl = () -> null;
    }

    @Reference(name = "libtorch", service = org.gantry.engine.libtorch.LibTorchEngine.class,
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindLibTorch")
    void bindLibTorch(ServiceReference<?> reference) {
        libtorch = warmedUp("libtorch", reference, LibTorchModel::warmUp);
        LOG.info("TorchScript models with engine=libtorch can load (libtorch {})",
                reference.getProperty("libtorch.version"));
    }

    void unbindLibTorch(ServiceReference<?> reference) {
        libtorch = () -> null;
    }

    /** The engine the named reference binds, warmed up before models can load on it. */
    private Supplier<Object> warmedUp(String name, ServiceReference<?> reference, Consumer<Object> warmUp) {
        Supplier<Object> located = () -> context.locateService(name, reference);
        warmUp.accept(located.get());
        return located;
    }

    @Override
    public String name() {
        return "pytorch";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("pytorch_libtorch", "pytorch_torchscript");
    }

    /** GPUs too when the libtorch engine is there and sees CUDA devices. */
    @Override
    public Set<Device.Kind> deviceKinds() {
        Object libtorchEngine = libtorch.get();
        return libtorchEngine != null && LibTorchModel.cudaAvailable(libtorchEngine)
                ? Set.of(Device.Kind.CPU, Device.Kind.GPU)
                : Set.of(Device.Kind.CPU);
    }

    @Override
    public ModelConfig complete(ModelLoadContext context) {
        ModelConfig config = context.config();
        // A TorchScript file carries no input or output names or types to complete a configuration from.
        if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
            throw GantryException.invalidArgument("model '%s': a TorchScript model must declare its inputs and outputs"
                    + " in config.pbtxt (names, data_type, dims)", config.name());
        }
        boolean onLibTorch = LIBTORCH.equals(engineName(config));
        for (TensorConfig tensor : config.inputs()) {
            if (tensor.dataType() == DataType.BYTES) { // at load time rather than per request
                throw GantryException.invalidArgument("TorchScript models take no BYTES (string) tensors; tokenize"
                        + " first, e.g. in an ensemble step");
            }
            if (onLibTorch && !LIBTORCH_TYPES.contains(tensor.dataType())) {
                throw GantryException.invalidArgument("model '%s': input '%s' is %s, which libtorch has no tensors"
                        + " of", config.name(), tensor.name(), tensor.dataType());
            }
        }
        return config;
    }

    /**
     * The configuration's {@code engine} parameter: {@code djl} (also when absent) or {@code libtorch}.
     *
     * @throws GantryException INVALID_ARGUMENT for any other value
     */
    static String engineName(ModelConfig config) {
        String name = config.parameter(ENGINE_PARAMETER).map(String::trim).orElse(DJL);
        if (!name.equals(DJL) && !name.equals(LIBTORCH)) {
            throw GantryException.invalidArgument("model '%s': parameter engine is '%s'; use '%s' (DJL, CPU, the"
                    + " default) or '%s' (Gantry's libtorch engine, CPU or GPU)", config.name(), name, DJL, LIBTORCH);
        }
        return name;
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        ModelConfig config = context.config();
        Path file = context.resolveInVersion("default_model_filename", DEFAULT_MODEL_FILE);
        if (!Files.isRegularFile(file)) {
            throw GantryException.invalidArgument("model '%s' version %d has no TorchScript file %s", config.name(),
                    context.version(), file);
        }
        Device device = Objects.requireNonNullElse(context.device(), Device.CPU);
        ForwardSignature signature = new ForwardSignature(config);
        if (LIBTORCH.equals(engineName(config))) {
            Object libtorchEngine = libtorch.get();
            if (libtorchEngine == null) {
                throw GantryException.unavailable(
                        "model '%s' asks for engine=libtorch but no libtorch engine is running:"
                                + " install and start the bundle %s (it needs libtorch on this machine, e.g. Debian's"
                                + " libtorch-dev; its log says why it did not start),"
                                + " or remove the parameter to use DJL",
                        config.name(), LIBTORCH_BUNDLE);
            }
            return LibTorchModel.load(signature, libtorchEngine, file, device, context.version());
        }
        if (device.kind() != Device.Kind.CPU) {
            throw GantryException.invalidArgument("model '%s' version %d was placed on %s but the DJL engine runs on"
                    + " the CPU only: add parameters { key: \"engine\" value: { string_value: \"libtorch\" } } to"
                    + " config.pbtxt for the GPU, or instance_group [ { kind: KIND_CPU } ] to stay on the CPU",
                    config.name(), context.version(), device);
        }
        Object djlEngine = djl.get();
        if (djlEngine == null) {
            throw GantryException.unavailable("model '%s' uses engine=djl (the default) but DJL's PyTorch engine is not"
                    + " running: install and start the bundle %s, or set parameter engine=libtorch to use %s (one"
                    + " server runs one of the two: each brings its own libtorch)", config.name(), DJL_BUNDLE,
                    LIBTORCH_BUNDLE);
        }
        return DjlModels.load(djlEngine, signature, file, context.version());
    }

    /**
     * Bytes of every tensor the archive stores (parameters, buffers, constants): a TorchScript zip keeps each
     * tensor storage uncompressed under {@code <archive>/data/} or {@code <archive>/constants/}. DJL lists a
     * module's parameters but not its buffers, so the archive is the complete account.
     */
    static long tensorStorageBytes(Path file) throws IOException {
        try (ZipFile archive = new ZipFile(file.toFile())) {
            return archive.stream()
                    .filter(entry -> !entry.isDirectory() && entry.getName().matches("[^/]+/(data|constants)/\\d+"))
                    .mapToLong(ZipEntry::getSize)
                    .sum();
        }
    }

    /**
     * Triton's convention: when every name ends in {@code __<index>}, the index gives the position in
     * {@code forward}'s arguments (or results); otherwise the configuration's order does.
     */
    static List<String> orderedNames(List<TensorConfig> tensors) {
        List<String> names = tensors.stream().map(TensorConfig::name).toList();
        if (names.stream().allMatch(n -> n.matches(".*__\\d+"))) {
            return names.stream()
                    .sorted((a, b) -> Integer.compare(Integer.parseInt(a.substring(a.lastIndexOf("__") + 2)),
                            Integer.parseInt(b.substring(b.lastIndexOf("__") + 2))))
                    .toList();
        }
        return names;
    }

    /** The first line of an engine message: libtorch appends C++ stack traces. */
    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
