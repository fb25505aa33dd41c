package org.gantry.api.backend;

import java.nio.file.Files;
import java.nio.file.Path;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.server.ModelInvoker;
import org.gantry.api.server.ModelServer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a {@link Backend} needs to load one model version.
 */
@ProviderType
public interface ModelLoadContext {

    /** The model's configuration (completed by {@link Backend#complete} when passed to {@link Backend#load}). */
    ModelConfig config();

    /** The model version being loaded. */
    long version();

    /** The model's folder in the repository (holding {@code config.pbtxt}). */
    Path modelDirectory();

    /** The version's folder, {@code <model>/<version>}. */
    default Path versionDirectory() {
        return modelDirectory().resolve(Long.toString(version()));
    }

    /**
     * The file (or folder) that the configuration's parameter {@code parameter} names, {@code defaultName} where it
     * has none, in the version's folder: {@code default_model_filename} and the like, so that a configuration
     * cannot serve files from elsewhere. The name must be relative and must not climb out of the version's folder
     * ({@code ..}); symbolic links on the way may lead anywhere inside the model's folder (a version may link to
     * another's weights), not out of it. The path returned holds no links and need not exist.
     *
     * @throws GantryException INVALID_ARGUMENT, naming the parameter, where the name is absolute or leads out; the
     *                         message is the same whether what lies outside exists or not
     */
    default Path resolveInVersion(String parameter, String defaultName) {
        return resolveIn(versionDirectory(), parameter, defaultName);
    }

    /**
     * Like {@link #resolveInVersion}, for a file that all versions may share (a tokenizer): the version's where it
     * has that file, else the model's. A name that leads out of either folder is refused.
     *
     * @throws GantryException INVALID_ARGUMENT as {@link #resolveInVersion} does
     */
    default Path resolveInVersionOrModel(String parameter, String defaultName) {
        Path inVersion = resolveInVersion(parameter, defaultName);
        Path inModel = resolveIn(modelDirectory(), parameter, defaultName);
        return Files.isRegularFile(inVersion) ? inVersion : inModel;
    }

    private Path resolveIn(Path folder, String parameter, String defaultName) {
        String name = config().parameter(parameter).orElse(defaultName);
        return ModelFolderPaths.resolve(modelDirectory(), folder, name).orElseThrow(() -> GantryException
                .invalidArgument("model '%s': parameter '%s' must name a file inside the model's folder, not '%s'",
                        config().name(), parameter, name));
    }

    /** The device to load onto. */
    Device device();

    /**
     * The whole server loading the model; null where the server gives backends only its {@link #invoker()} (the
     * runtime does) or none loads the model (a backend's own tests). Use {@link #invoker()}.
     */
    default ModelServer server() {
        return null;
    }

    /**
     * What the model may ask of the server loading it: run other models of it (an ensemble's steps), read their
     * configurations, ask which backend serves one. Null where no server loads the model (a backend's own tests).
     */
    default ModelInvoker invoker() {
        return server();
    }

    /**
     * Working memory for the model's requests, leased on its device within the memory budget. Where no server
     * loads the model (a backend's own tests) every allocation fails with INSUFFICIENT_MEMORY.
     */
    default WorkingMemory workingMemory() {
        return (purpose, bytes) -> {
            throw new GantryException(ErrorKind.INSUFFICIENT_MEMORY, String.format(
                    "model '%s' has no working memory: no server loads it", config().name()));
        };
    }
}
