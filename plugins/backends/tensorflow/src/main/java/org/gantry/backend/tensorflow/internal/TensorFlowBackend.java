package org.gantry.backend.tensorflow.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.engine.tensorflow.TensorFlowEngine;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/**
 * Serves TensorFlow SavedModels as Triton's TensorFlow backend does: {@code platform: "tensorflow_savedmodel"} (or
 * {@code backend: "tensorflow"}), the model in {@code <version>/model.savedmodel/} (or the folder named by
 * {@code default_model_filename}), the signature {@code serving_default} unless parameter {@code signature_name}
 * names another. A configuration without inputs or outputs is completed from the signature.
 */
@Component(service = Backend.class)
public final class TensorFlowBackend implements Backend {

    static final String NAME = "tensorflow";
    static final String PLATFORM = "tensorflow_savedmodel";
    static final String DEFAULT_MODEL_FOLDER = "model.savedmodel";
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowBackend.class);

    /** Present only once TensorFlow's native library is loaded; the backend needs nothing else from it. */
    @Activate
    public TensorFlowBackend(@Reference(name = "engine") TensorFlowEngine engine) {
        LOG.info("TensorFlow backend ready on TensorFlow {}", engine.version());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> platforms() {
        return Set.of(PLATFORM);
    }

    @Override
    public double footprintPerArtifactByte() {
        return 2.0; // variables are read into memory, and the graph and session take their share
    }

    @Override
    public ModelConfig complete(ModelLoadContext context) {
        try (SavedModelBundle bundle = open(context)) {
            return SignatureConfig.complete(context.config(), signature(bundle, context.config()));
        }
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        SavedModelBundle bundle = open(context);
        try {
            Signature signature = signature(bundle, context.config());
            return new TensorFlowModel(bundle, bundle.function(signature.key()), context.config(),
                    variablesBytes(savedModelFolder(context)));
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    static Path savedModelFolder(ModelLoadContext context) {
        return context.resolveInVersion("default_model_filename", DEFAULT_MODEL_FOLDER);
    }

    private static SavedModelBundle open(ModelLoadContext context) {
        Path folder = savedModelFolder(context);
        if (!Files.isRegularFile(folder.resolve("saved_model.pb"))) {
            throw GantryException.invalidArgument("model '%s' version %d has no SavedModel: %s holds no saved_model.pb",
                    context.config().name(), context.version(), folder);
        }
        try {
            return SavedModelBundle.load(folder.toString(), SavedModelBundle.DEFAULT_TAG);
        } catch (RuntimeException e) {
            throw GantryException.invalidArgument("model '%s' version %d: TensorFlow cannot load the SavedModel in %s:"
                    + " %s", context.config().name(), context.version(), folder, e.getMessage());
        }
    }

    private static Signature signature(SavedModelBundle bundle, ModelConfig config) {
        String wanted = SignatureConfig.signature(config);
        return bundle.signatures().stream().filter(s -> s.key().equals(wanted)).findFirst()
                .orElseThrow(() -> GantryException.invalidArgument("model '%s' has no signature '%s' (it has %s); set"
                        + " parameter signature_name", config.name(), wanted,
                        bundle.signatures().stream().map(Signature::key).toList()));
    }

    /** The bytes of the SavedModel's variables: what its session holds at least. */
    private static long variablesBytes(Path folder) {
        Path variables = folder.resolve("variables");
        if (!Files.isDirectory(variables)) {
            return -1;
        }
        try (Stream<Path> files = Files.walk(variables)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
