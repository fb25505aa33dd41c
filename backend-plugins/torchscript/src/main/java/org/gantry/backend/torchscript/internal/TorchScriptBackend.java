package org.gantry.backend.torchscript.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;

/**
 * Serves TorchScript models as Triton's PyTorch backend does: platform {@code pytorch_libtorch} or backend
 * {@code pytorch}, the model in {@code <version>/model.pt} (or {@code default_model_filename}), tensors passed
 * to {@code forward} in the order of the configuration (or of their {@code __<index>} suffixes).
 *
 * <p>It uses the PyTorch engine that the {@code org.gantry.engine.pytorch} bundle publishes, and never loads a
 * native library itself, so this bundle can be updated while the server runs.
 */
@Component(service = Backend.class)
public final class TorchScriptBackend implements Backend {

    static final String DEFAULT_MODEL_FILE = "model.pt";
    private static final Logger LOG = LoggerFactory.getLogger(TorchScriptBackend.class);

    private final Engine engine;

    @Activate
    public TorchScriptBackend(@Reference(target = "(djl.engine=PyTorch)") Engine engine) {
        this.engine = engine;
        warmUp();
    }

    /**
     * Loads and runs a one-operation module once, so that libtorch's one-time initialisation (interpreter,
     * thread pools) happens now and is not measured as part of the first model a user loads.
     */
    private void warmUp() {
        try (Model model = Model.newInstance("gantry-warmup", ai.djl.Device.cpu(), engine.getEngineName());
                InputStream archive = TorchScriptBackend.class.getResourceAsStream("warmup.pt")) {
            model.load(archive);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                model.getBlock().forward(new ParameterStore(manager, false), new NDList(manager.create(new float[] { 1f })),
                        false);
            }
        } catch (IOException | MalformedModelException | RuntimeException e) {
            LOG.warn("TorchScript warm-up failed; the first model's measured footprint includes libtorch's start: {}",
                    e.toString());
        }
    }

    @Override
    public String name() {
        return "pytorch";
    }

    @Override
    public Set<String> platforms() {
        return Set.of("pytorch_libtorch", "pytorch_torchscript");
    }

    @Override
    public ModelConfig complete(ModelLoadContext context) {
        ModelConfig config = context.config();
        // A TorchScript file carries no input or output names or types to complete a configuration from.
        if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
            throw GantryException.invalidArgument("model '%s': a TorchScript model must declare its inputs and outputs"
                    + " in config.pbtxt (names, data_type, dims)", config.name());
        }
        for (TensorConfig tensor : config.inputs()) {
            TensorConversions.toDjl(tensor.dataType()); // rejects BYTES at load time rather than per request
        }
        return config;
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        ModelConfig config = context.config();
        String fileName = config.parameter("default_model_filename").orElse(DEFAULT_MODEL_FILE);
        Path file = context.versionDirectory().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw GantryException.invalidArgument("model '%s' version %d has no TorchScript file %s", config.name(),
                    context.version(), file);
        }
        Model model = Model.newInstance(config.name() + ":" + context.version(), ai.djl.Device.cpu(),
                engine.getEngineName());
        try {
            model.load(file.getParent(), fileName);
            return new TorchScriptModel(config, model, orderedNames(config.inputs()), orderedNames(config.outputs()),
                    tensorStorageBytes(file));
        } catch (MalformedModelException | EngineException | IOException | IllegalArgumentException e) {
            model.close();
            throw GantryException.invalidArgument("model '%s' version %d: %s is not a loadable TorchScript model: %s",
                    config.name(), context.version(), file, firstLine(e.getMessage()));
        }
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
